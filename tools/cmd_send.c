/* PLACEHOLDER: replaced by the owner of cmd_send.c. */
#include "cmd.h"
const char cmd_send_usage[] = "usage: corrtest send\n";
int cmd_send(int argc, char **argv, struct cmd_ctx *ctx)
{
	(void)argc; (void)argv;
	return cmd_errorf(ctx, 1, "not built yet");
}
