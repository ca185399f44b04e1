/* PLACEHOLDER: replaced by the owner of cmd_link.c. */
#include "cmd.h"
const char cmd_link_usage[] = "usage: corrtest link\n";
int cmd_link(int argc, char **argv, struct cmd_ctx *ctx)
{
	(void)argc; (void)argv;
	return cmd_errorf(ctx, 1, "not built yet");
}
