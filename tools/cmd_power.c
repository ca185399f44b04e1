/* PLACEHOLDER: replaced by the owner of cmd_power.c. */
#include "cmd.h"
const char cmd_power_usage[] = "usage: corrtest power\n";
int cmd_power(int argc, char **argv, struct cmd_ctx *ctx)
{
	(void)argc; (void)argv;
	return cmd_errorf(ctx, 1, "not built yet");
}
