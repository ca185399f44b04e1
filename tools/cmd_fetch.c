/* PLACEHOLDER: replaced by the owner of cmd_fetch.c. */
#include "cmd.h"
const char cmd_fetch_usage[] = "usage: corrtest fetch\n";
int cmd_fetch(int argc, char **argv, struct cmd_ctx *ctx)
{
	(void)argc; (void)argv;
	return cmd_errorf(ctx, 1, "not built yet");
}
