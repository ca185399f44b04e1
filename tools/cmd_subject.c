/* placeholder */
#include "cmd.h"
const char cmd_subject_usage[] = "usage: corrtest subject EMAIL\n";
int cmd_subject(int argc, char **argv, struct cmd_ctx *ctx) { (void)argc; (void)argv; (void)ctx; return 0; }
