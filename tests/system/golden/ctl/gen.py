#!/usr/bin/env python3
"""Write the control-socket replies that fakectl.py serves (tests/system/
bbctl.sh, munin.sh): JSON text exactly as seedd formats it (spec §7.4-7.6:
key order as emitted, every double as C's %f, counts as integers).

Run from this directory: ./gen.py [DIR] (default: here).  The replies are
committed; rerun only to change them, and review the golden outputs that
depend on them.  File names: <Cmd>.reply for the string request, and
<Cmd>@<arg, %-quoted>.reply for ["Cmd",token,arg].  Token 0 for strings,
1 for bbctl's array requests (bbctl sends 1, SetLogVerbosity 0)."""
import math
import os
import sys
import urllib.parse

ARGV = [a for a in sys.argv[1:] if a != "--wide"]
OUT = ARGV[0] if ARGV else os.path.dirname(os.path.abspath(__file__))
# --wide: only GetRawData@Wide.reply, a monitor with Ent16 bins (2 x 65536
# counts, about 1 MB: made by the test in its temp dir, not committed).
WIDE = "--wide" in sys.argv[1:]


def f(v):
    return "%f" % v


def jstr(s):
    out = '"'
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out += '\\"'
        elif ch == '\\':
            out += '\\\\'
        elif o < 0x20:
            out += {8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t'}.get(o, '\\u%04x' % o)
        else:
            out += ch
    return out + '"'


def obj(pairs):
    return "{" + ",".join(jstr(k) + ":" + v for k, v in pairs) + "}"


TESTS = ["Monobit", "Poker", "Runs", "Long run", "Repetition", "Proportion", "Result"]


def fips(seed):
    parts = []
    for i, t in enumerate(TESTS):
        failed = [3, 0, 7, 0, 0, 1, 11][i] * seed
        passed = 41234 * seed - failed
        runs = failed
        short_runs = 3751 + 17 * i if runs else 0
        pr = obj([("Runs", str(runs)), ("Previous", str(1234 + i if runs else 0)),
                  ("Short", str(short_runs)), ("Long", str(3700 + 13 * i if runs else 0)),
                  ("Peak", str(15000 + 101 * i if runs else 0))])
        # Q20 rates as the server prints them: rate/2^20 with %f.
        srate = (1100 + 97 * i) * seed if failed else 0
        prate = srate * 3 + 5 if failed else 0
        fr = obj([("Passed", str(passed)), ("Failed", str(failed)),
                  ("Short", f(srate / 2**20)),
                  ("Long", f(failed / (passed + failed))),
                  ("Peak", f(prate / 2**20))])
        parts.append((t, obj([("PassRuns", pr), ("FailRate", fr)])))
    return obj(parts)


def bitruns(nbits, maxrun):
    runs = []
    chisq = 0.0
    k = 0
    for i in range(min(maxrun, 64)):
        exp = (nbits - i + 2) / 2 ** (i + 3)
        z = int(exp + (13 if i % 3 == 0 else -9) * math.sqrt(max(exp, 1)) / 10)
        o = int(exp + (-7 if i % 2 else 11) * math.sqrt(max(exp, 1)) / 10)
        if i == 5:
            o = 0 if maxrun > 60 else o
        runs.append("[%d,%d,%s]" % (max(z, 0), max(o, 0), f(exp)))
        if exp >= 5:
            chisq += (z - exp) ** 2 / exp + (o - exp) ** 2 / exp
            k = i
    zeros = nbits // 2 - 1234
    ones = nbits - zeros
    return obj([("Zeros", str(zeros)), ("Ones", str(ones)), ("Max", str(maxrun)),
                ("Runs", "[" + ",".join(runs) + "]"), ("Chisq", f(chisq)),
                ("Chisq-p", f(0.423817)), ("Chisq-k", str(2 * k + 1))])


def result(bits, d):
    mean = (2 ** bits - 1) / 2
    pi = math.pi * (1 + d * 0.0007)
    return obj([("Entropy", f(bits - 0.00012 - d * 1e-5)), ("Chisq", f((2 ** bits - 1) * (1 + d * 0.01))),
                ("Chisq-p", f(0.5 - d * 0.1)), ("Mean", f(mean + d * 0.03)),
                ("Pi", f(pi)), ("Pi-error", f(100 * (pi - math.pi) / math.pi)),
                ("Autocorr", f(-0.000321 * d)), ("MinEntropy", f(bits - 0.21 - d * 0.01))])


def failed(n):
    return obj([("Tested", str(n)), ("Entropy", "0"), ("Chisq", str(n // 7)), ("Mean", "1"),
                ("Pi", "2"), ("Autocorr", "0"), ("MinEntropy", str(n // 11))])


def resset(bits, samples, d, bins=None):
    p = [("Samples", str(samples))]
    if bins is not None:
        p.append(("Bins", "[" + ",".join(str(b) for b in bins) + "]"))
        p.append(("PiSamples", str(samples // 6)))
        p.append(("PiIn", str(int(samples // 6 * math.pi / 4))))
    p += [("Current", result(bits, d)), ("Min", result(bits, d - 1)), ("Max", result(bits, d + 1)),
          ("Failed", failed(23 + d))]
    return obj(p)


def bins8(samples, salt):
    b = [samples // 256 + ((i * 7919 + salt) % 61) - 30 for i in range(256)]
    b[3] = b[200] = max(b) + 4  # a tie: ranks keep symbol order
    b[17] = min(b) - 5
    return b


def stats(seed, ent8, ent16, maxrun):
    p = [("QA", obj([("BytesAnalysed", str(65536 * 300 * seed + 2500)),
                     ("BytesPassed", str(65536 * 297 * seed))])),
         ("FIPS", fips(seed)),
         ("BitRuns", bitruns(20000 * 8 * 5000 * seed, maxrun))]
    if ent8:
        p.append(("Ent8", obj([("Short", resset(8, 500000, 0)),
                               ("Long", resset(8, 500000 * 380 * seed, 1))])))
    if ent16:
        p.append(("Ent16", obj([("Short", resset(16, 100000000, 0)),
                                ("Long", resset(16, 100000000 * 2, 1))])))
    return obj(p)


def raw(ent8):
    if not ent8:
        return "{}"
    s = resset(8, 500000, 0, bins8(500000, 1))
    l = resset(8, 19000000, 1, bins8(19000000, 5))
    return obj([("Ent8", obj([("Short", s), ("Long", l)]))])


IDS = ["GK9VZF", "Pool", "Kernel", 'we"ird']
ST = {"GK9VZF": stats(1, True, True, 23),
      "Pool": stats(2, False, False, 70),
      "Kernel": stats(3, True, False, 21),
      'we"ird': stats(1, False, False, 19)}
RAW = {"GK9VZF": raw(True), "Pool": raw(False), "Kernel": raw(True), 'we"ird': raw(False)}


def write(name, text):
    with open(os.path.join(OUT, name + ".reply"), "w") as fh:
        fh.write(text)


def q(s):
    return urllib.parse.quote(s, safe="")


def bins16(samples, salt):
    b = [samples // 65536 + ((i * 104729 + salt) % 201) - 100 for i in range(65536)]
    b[7] = b[65000] = max(b) + 9
    b[4242] = min(b) - 11
    return b


if WIDE:
    s8 = resset(8, 500000, 0, bins8(500000, 2))
    l8 = resset(8, 500000 * 400, 1, bins8(500000 * 400, 3))
    s16 = resset(16, 100000000, 0, bins16(100000000, 4))
    l16 = resset(16, 200000000, 1, bins16(200000000, 6))
    write("GetRawData@Wide", '["GetRawData",1,' + obj([("Wide", obj([
        ("Ent8", obj([("Short", s8), ("Long", l8)])),
        ("Ent16", obj([("Short", s16), ("Long", l16)]))]))]) + "]")
    sys.exit(0)

write("GetIDs", '["GetIDs",0,[' + ",".join(jstr(i) for i in IDS) + "]]")
write("ReportStats", '["ReportStats",0,' + obj([(i, ST[i]) for i in IDS]) + "]")
write("GetRawData", '["GetRawData",0,' + obj([(i, RAW[i]) for i in IDS]) + "]")
for i in IDS:
    write("ReportStats@" + q(i), '["ReportStats",1,' + obj([(i, ST[i])]) + "]")
    write("GetRawData@" + q(i), '["GetRawData",1,' + obj([(i, RAW[i])]) + "]")
