/* channel.c: the channels an application can go out by (see channel.h). */
#include <string.h>

#include "fielding/channel.h"
#include "base/util.h"
#include "base/banned.h"

const char *const fielding_channels[FIELDING_NCHANNELS + 1] = { "smtp",  "portal", "webmail",
								 "phone", "sms",    NULL };

int fielding_channel_index(const char *s)
{
	for (int i = 0; s && fielding_channels[i]; i++)
		if (str_eq_ci(fielding_channels[i], s))
			return i;
	return -1;
}

const char *fielding_channel_parse(const char *s)
{
	int i = fielding_channel_index(s);
	return i < 0 ? NULL : fielding_channels[i];
}

#define CHANNEL_LIST "smtp, portal, webmail, phone or sms"

const char *fielding_channel_list(void)
{
	return CHANNEL_LIST;
}

const char *fielding_channel_must(void)
{
	return "must be " CHANNEL_LIST;
}

const char *fielding_channel_default(const struct design *d)
{
	const char *c = d ? fielding_channel_parse(d->channel) : NULL;
	return c ? c : "smtp";
}

const char *fielding_channel_effective(const struct design *d, const char *app_channel,
				       const char *listing_channel)
{
	if (app_channel && *app_channel)
		return app_channel;
	if (listing_channel && *listing_channel)
		return listing_channel;
	return fielding_channel_default(d);
}

int fielding_channel_by_hand(const char *channel)
{
	return channel && strcmp(channel, "smtp") != 0;
}

const char *fielding_channel_contact_kind(const char *channel)
{
	if (channel && (!strcmp(channel, "phone") || !strcmp(channel, "sms")))
		return "phone";
	if (channel && !strcmp(channel, "portal"))
		return "url";
	return "email";
}
