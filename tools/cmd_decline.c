/* PLACEHOLDER: replaced by the owner of cmd_decline.c. */
#include "cmd.h"
const char cmd_decline_usage[] = "usage: corrtest decline\n";
int cmd_decline(int argc, char **argv, struct cmd_ctx *ctx)
{
	(void)argc; (void)argv;
	return cmd_errorf(ctx, 1, "not built yet");
}
