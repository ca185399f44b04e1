#!/usr/bin/env python3
"""report_data.py WAVE SEED OUTDIR: the input CSV files of the report test
(tests/e2e/0210-report.sh), drawn deterministically from SEED with
Python's own Mersenne Twister (random.Random(SEED)), so that the same
arguments always give the same bytes.

WAVE is "s" (the study reported: 240 listings) or "p" (the earlier wave:
160 listings, some of the same agencies, written with another case).

Writes OUTDIR/listings.csv (columns of docs/csv-formats.md) and
OUTDIR/responses.csv (listing, group, gender, outcome, channel, at,
sent_at, variant, position). Every listing gets the control group
"belgian" and one test group (maghrebi or turkish), of one gender. Every
reply is timed ("at" a number of seconds after "sent_at"); a no_reply row
has no "at". The absolute differences test - control of the reply times
are all distinct over the pairs where both got a reply, so that
Wilcoxon's signed-rank test has no ties and no zeros (R then uses its
exact distribution below 50 pairs).

All identities are made up: e-mail domains under .example or .invalid,
URLs under https://listings.example/.
"""
import csv
import datetime as dt
import random
import sys

OUTCOMES = ["invitation", "info", "refusal", "other", "no_reply"]
AREAS = ["Gent-Centrum", "Ledeberg", "Gentbrugge", "Sint-Amandsberg"]
# Agencies: the first six are in both waves (wave p writes two of them in
# another case and with doubled inner spaces: the same agent once
# normalised by case and spaces); the others are in one wave only.
SHARED = ["Immo Zwartberg", "Agence Dubreucq", "Vastgoed Kwakkelstein", "Woonburo Vlierbeek",
          "Immo Quaregna", "Huurhuis Maldegem"]
ONLY_S = ["Immo Brakelmans", "Residentie Oostakker", "Vastgoed Tielrode", "Immo Wondelgem",
          "Agence Bellecourt", "Woonkantoor Drongen"]
ONLY_P = ["Immo Zeveneken", "Vastgoed Merelbeke", "Agence Fontenelle", "Immo Desteldonk",
          "Woonburo Lochristi", "Huurpunt Mariakerke"]
# Private landlords with two listings each (keyed by their name too).
PRIVATE_TWICE = ["Familie Quaghebeur", "Familie Vyncke-Lootens"]
FIRST = ["Jozefien", "Marcellin", "Godelieve", "Ambroos", "Philomena", "Leopoldine", "Cyriel",
         "Bavo", "Wivina", "Evarist", "Hilde", "Remi"]
LAST = ["Kwartelaar", "Verplaetsen", "Schietecatte", "Van Wynsberghe", "Dhondt-Zwaenepoel",
        "Bracke", "Vermeersch", "De Coninck", "Lippens", "Ryckaert"]

# Outcome distributions (invitation, info, refusal, other, no_reply); the
# test candidate copies the control's outcome with probability COPY, else
# draws from its own distribution (worse for the test groups, a bit worse
# for men and for private landlords).
CONTROL = [0.42, 0.15, 0.10, 0.05, 0.28]
TEST = {"maghrebi": [0.24, 0.15, 0.15, 0.06, 0.40], "turkish": [0.35, 0.15, 0.11, 0.05, 0.34]}
COPY = {"s": 0.5, "p": 0.45}


def draw(rng, probs):
    u, acc = rng.random(), 0.0
    for o, p in zip(OUTCOMES, probs):
        acc += p
        if u < acc:
            return o
    return OUTCOMES[-1]


def shifted(probs, k):
    """Moves k of the invitation probability to no_reply."""
    p = list(probs)
    p[0] -= k
    p[4] += k
    return p


def main():
    wave, seed, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rng = random.Random(seed)
    n = 240 if wave == "s" else 160
    agencies = SHARED + (ONLY_S if wave == "s" else ONLY_P)
    if wave == "p":
        agencies[0] = "IMMO  ZWARTBERG"
        agencies[2] = "vastgoed kwakkelstein"
    t0 = dt.datetime(2026, 12, 7, 8, 0, 0) if wave == "s" else dt.datetime(2026, 6, 8, 8, 0, 0)
    listings, responses = [], []
    used_diffs = set()
    private_twice = [x for x in PRIVATE_TWICE for _ in range(2)]
    for i in range(1, n + 1):
        ref = "%s-%04d" % ("RPT" if wave == "s" else "PRV", i)
        url = "https://listings.example/%s/%04d" % (wave, i)
        r = rng.random()
        contact_name = "%s %s" % (rng.choice(FIRST), rng.choice(LAST))
        if r < 0.6:
            agent_type = "agency"
            agent = agencies[rng.randrange(len(agencies))]
            slug = agent.lower().split()[-1].replace("-", "")
            email = "verhuur%d@%s.example" % (i, slug)
        else:
            agent_type = "private"
            if private_twice and rng.random() < 0.1:
                agent = private_twice.pop()
            else:
                agent = ""
            # A few private landlords are reached through the portal only:
            # no agent, no address, so no agent key.
            if not agent and rng.random() < 0.06:
                email, contact_name = "", ""
            else:
                email = "landlord.%s%d@mail%d.invalid" % (wave, i, i % 7)
        area = AREAS[rng.randrange(4)]
        rnd = 1 if i <= n // 2 else 2
        price = "%d" % rng.randrange(600, 1500, 5)
        posted = (t0 - dt.timedelta(days=rng.randrange(1, 20))).date().isoformat()
        listings.append([ref, url, email, contact_name, agent_type, agent, area, price, rnd, posted])

        group = "maghrebi" if rng.random() < 0.5 else "turkish"
        gender = "female" if rng.random() < 0.5 else "male"
        co = draw(rng, CONTROL)
        tp = TEST[group]
        if gender == "male":
            tp = shifted(tp, 0.04)
        if agent_type == "private":
            tp = shifted(tp, 0.03)
        to = co if rng.random() < COPY[wave] else draw(rng, tp)
        # Send times: the pair on one day of the round, the second message
        # 1 to 3 hours after the first, in a random order.
        day = rng.randrange(0, 10) + (14 if rnd == 2 else 0)
        first = t0 + dt.timedelta(days=day, seconds=rng.randrange(0, 8 * 3600))
        second = first + dt.timedelta(seconds=rng.randrange(3600, 3 * 3600))
        cpos = 1 if rng.random() < 0.5 else 2
        csent, tsent = (first, second) if cpos == 1 else (second, first)
        variant_c = rng.randrange(1, 4)
        variant_t = 1 + (variant_c % 3)

        def delay(test):
            # Seconds to the reply: from 5 minutes to 6 days, skewed.
            h = rng.expovariate(1 / (20.0 if not test else 30.0))
            h = min(h, 140.0)
            return 300 + int(h * 3600) + rng.randrange(0, 60)

        cat = tat = ""
        if co != "no_reply":
            cd = delay(False)
            cat = csent + dt.timedelta(seconds=cd)
        if to != "no_reply":
            td = delay(True)
            if co != "no_reply":
                # Distinct |test hours - control hours| over the study, none 0.
                while td == cd or abs(td - cd) in used_diffs:
                    td += 1
                used_diffs.add(abs(td - cd))
            tat = tsent + dt.timedelta(seconds=td)

        def iso(t):
            return t.strftime("%Y-%m-%dT%H:%M:%SZ") if t != "" else ""

        ch = "email" if rng.random() < 0.8 else "phone"
        responses.append([ref, "belgian", gender, co, ch if co != "no_reply" else "", iso(cat),
                          iso(csent), variant_c, cpos])
        ch = "email" if rng.random() < 0.8 else "phone"
        responses.append([ref, group, gender, to, ch if to != "no_reply" else "", iso(tat),
                          iso(tsent), variant_t, 3 - cpos])
    with open(out + "/listings.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["ref", "url", "contact_email", "contact_name", "agent_type", "agent", "area",
                    "price", "round", "posted_on"])
        w.writerows(listings)
    with open(out + "/responses.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["listing", "group", "gender", "outcome", "channel", "at", "sent_at", "variant",
                    "position"])
        w.writerows(responses)


if __name__ == "__main__":
    main()
