/* channel.h: how an application goes out. smtp: corrtest sends it (send
 * --live); portal (a listing site's contact form), webmail, phone and sms:
 * a person sends it and records it (corrtest field). The channel planned
 * for an application is its own once it was sent (frozen then), else its
 * listing's, else the study's default (study.ini [fielding] channel). */
#ifndef CT_CHANNEL_H
#define CT_CHANNEL_H

#include "design/config.h"

/* NULL-terminated, in the order of the schema's CHECK constraints. */
/* The channels, in this order: smtp, portal, webmail, phone, sms
 * (NULL-terminated). The one list every stage uses. */
#define FIELDING_NCHANNELS 5
extern const char *const fielding_channels[FIELDING_NCHANNELS + 1];
/* The index of a channel in fielding_channels (any case), or -1. */
int fielding_channel_index(const char *s);

/* The canonical name (ASCII case ignored), or NULL. */
const char *fielding_channel_parse(const char *s);
/* "smtp, portal, webmail, phone or sms", for messages; static. */
const char *fielding_channel_list(void);
/* "must be smtp, portal, webmail, phone or sms", for errors. */
const char *fielding_channel_must(void);
/* The study's default channel: design->channel, or "smtp" when the design
 * has none. Borrowed. */
const char *fielding_channel_default(const struct design *d);
/* The channel an application is planned for: app_channel (frozen when it
 * was sent) if set, else listing_channel, else the study's default. NULL
 * or empty strings count as unset. Borrowed from the arguments or d. */
const char *fielding_channel_effective(const struct design *d, const char *app_channel,
				       const char *listing_channel);
/* 1 when a person sends by this channel (every channel but smtp). */
int fielding_channel_by_hand(const char *channel);
/* What a sender needs to reach the landlord by this channel: "phone" for
 * phone and sms, "url" for portal, "email" for smtp and webmail. Static. */
const char *fielding_channel_contact_kind(const char *channel);

#endif
