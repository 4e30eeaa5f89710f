#!/usr/bin/env python3
"""munin.sh's reference: what the bit_babbler plugin must print for a
ReportStats reply, graph by graph and field by field (upstream's plugin's
fields, spec §7.7), written out here independently of the plugin.

  muninref.py REPLY FETCH_OUTPUT [ID...]   compare the values (IDs: the
        sources expected in the output, in order; default: the reply's);
        an ID absent from the reply must show U everywhere.
  muninref.py --config CONFIG FETCH_OUTPUT  every fetched field has a label
        in config under the same multigraph, and the other way round.
Prints one line per difference; exit 1 if any."""
import json
import re
import sys

FIPS = [("mon", "Monobit"), ("pok", "Poker"), ("run", "Runs"), ("lr", "Long run"),
        ("rep", "Repetition")]


def clean(name):
    out = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return out if re.match(r"[A-Za-z_]", out) else "_" + out[1:]


def get(d, *keys):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def expected(stats, ids):
    """{(multigraph, field): number or None (U)}"""
    e = {}
    for i in ids:
        s = stats.get(i)
        f = clean(i)
        passed, analysed = get(s, "QA", "BytesPassed"), get(s, "QA", "BytesAnalysed")
        e[("bb_bitrate", f + "_qa_passed")] = passed
        g = "bb_bitrate.output_" + f
        e[(g, f + "_qa_passed")] = passed
        e[(g, f + "_qa_unpassed")] = None if passed is None else analysed - passed
        for term in ("short", "long"):
            e[("bb_ent", "%s_ent_entropy_%s" % (f, term))] = get(s, "Ent8", term.title(), "Current", "Entropy")
        for ent, n in (("Ent8", ""), ("Ent16", "16")):
            for term in ("short", "long"):
                cur = lambda k: get(s, ent, term.title(), "Current", k)
                e[("bb_ent.chisq%s_%s" % (n, f), "%s_ent%s_chisq_%s" % (f, n, term))] = cur("Chisq")
                e[("bb_ent.mean%s_%s" % (n, f), "%s_ent%s_mean_%s" % (f, n, term))] = cur("Mean")
                e[("bb_ent.autocorr%s_%s" % (n, f), "%s_ent%s_autocorr_%s" % (f, n, term))] = cur("Autocorr")
                g = "bb_ent.entropy%s_%s" % (n, f)
                e[(g, "%s_ent%s_entropy_%s" % (f, n, term))] = cur("Entropy")
                e[(g, "%s_ent%s_minentropy_%s" % (f, n, term))] = cur("MinEntropy")
        for term in ("short", "long"):
            e[("bb_ent.pi_error_" + f, "%s_ent_pi_error_%s" % (f, term))] = \
                get(s, "Ent8", term.title(), "Current", "Pi-error")
        pr = lambda k: get(s, "FIPS", "Result", "PassRuns", k)
        e[("bb_fips_pass", f + "_pass_avg_short")] = pr("Short")
        e[("bb_fips_pass.longest", f + "_pass_max")] = pr("Peak")
        e[("bb_fips_pass.qa_" + f, f + "_pass_avg_short")] = pr("Short")
        e[("bb_fips_pass.qa_" + f, f + "_pass_avg_long")] = pr("Long")

        def fr(test, k):
            v = get(s, "FIPS", test, "FailRate", k)
            return None if v is None else v * 1000

        e[("bb_fips_fail", f + "_l")] = fr("Result", "Long")
        e[("bb_fips_fail", f + "_s")] = fr("Result", "Short")
        g = "bb_fips_fail.qa_" + f
        e[(g, f + "_l")] = fr("Result", "Long")
        e[(g, f + "_s")] = fr("Result", "Short")
        for short, test in FIPS:
            e[(g, "%s_%sl" % (f, short))] = fr(test, "Long")
            e[(g, "%s_%ss" % (f, short))] = fr(test, "Short")
        g = "bb_fips_fail.peak_" + f
        e[(g, f + "_p")] = fr("Result", "Peak")
        for short, test in FIPS:
            e[(g, "%s_%sp" % (f, short))] = fr(test, "Peak")
    return e


def parse(path, suffix):
    """{(multigraph, field): value text} for lines FIELD.SUFFIX VALUE."""
    out, graph = {}, None
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("multigraph "):
            graph = line.split(" ", 1)[1]
            continue
        m = re.match(r"([A-Za-z0-9_]+)\.%s (.*)$" % suffix, line)
        if m:
            out[(graph, m.group(1))] = m.group(2)
    return out


def main():
    bad = []
    if sys.argv[1] == "--config":
        labels, values = parse(sys.argv[2], "label"), parse(sys.argv[3], "value")
        for k in values:
            if k not in labels:
                bad.append("fetched but not configured: %s %s" % k)
        for k in labels:
            if k not in values:
                bad.append("configured but not fetched: %s %s" % k)
    else:
        reply = json.load(open(sys.argv[1]))
        stats = reply[2]
        ids = sys.argv[3:] or list(stats)
        want, got = expected(stats, ids), parse(sys.argv[2], "value")
        for k, v in want.items():
            g = got.get(k)
            if g is None:
                bad.append("missing: %s %s" % k)
            elif v is None:
                if g != "U":
                    bad.append("%s %s: %s, want U" % (k[0], k[1], g))
            elif g == "U" or abs(float(g) - v) > 1e-9 * max(1.0, abs(v)):
                bad.append("%s %s: %s, want %r" % (k[0], k[1], g, v))
        for k in got:
            if k not in want:
                bad.append("unexpected: %s %s" % k)
    for b in bad[:30]:
        print(b)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
