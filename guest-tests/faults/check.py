#!/usr/bin/env python3
"""check.py - the expectation side of the fault tests (guest-tests/faults).

Called by tests/guest-tests.sh; see README in this directory for the
.expect format.  (The runner reads prog, args, signal and native from the
.expect itself, so that without python3 it can still check exit statuses.)
Usage:

  check.py check EXPECT PENDING TASK...
      Each TASK is KIND:MODE:PREFIX (PREFIX may contain ':'):
        pagemu:N:PREFIX
            PREFIX.json, pagemu's --fault-json output of a run with
            --paging=N, against the .expect.  PREFIX.out is the run's
            stdout (for the fault_addr= and fault_rip= lines).  Checks
            that the PENDING file lists for this case are not failures.
        native:N:PREFIX
            the last line of PREFIX.si, the siginfo helper's output (the
            fatal signal as the kernel delivered it), for a kernel with
            N-level paging.  Only signal, si_code, si_addr and rip exist
            there, and nothing is pending.
      Each task's verdict goes to PREFIX.chk.  All the tasks of a case and
      variant are checked in one call: the interpreter starts once.

PREFIX.chk files hold tab-separated records, one per line:
    FAIL <tab> what differs
    SKIP <tab> key <tab> pending reason      (a pending check that fails)
    NOTE <tab> text                          (a pending check that passes)
Exit 0 when no task has a FAIL, 1 when one has, 2 on a usage or format error.
"""
import json
import os
import re
import sys

SIGNALS = {"SIGILL": 4, "SIGTRAP": 5, "SIGBUS": 7, "SIGFPE": 8, "SIGSEGV": 11}

# si_code names per signal (include/uapi/asm-generic/siginfo.h)
SI_CODES = {
    "SI_KERNEL": 128,
    "SEGV_MAPERR": 1, "SEGV_ACCERR": 2, "SEGV_BNDERR": 3, "SEGV_PKUERR": 4,
    "ILL_ILLOPC": 1, "ILL_ILLOPN": 2, "ILL_ILLADR": 3, "ILL_ILLTRP": 4,
    "ILL_PRVOPC": 5, "ILL_PRVREG": 6,
    "FPE_INTDIV": 1, "FPE_INTOVF": 2, "FPE_FLTDIV": 3,
    "BUS_ADRALN": 1, "BUS_ADRERR": 2, "BUS_OBJERR": 3,
    "TRAP_BRKPT": 1, "TRAP_TRACE": 2,
}

# key -> kind.  addr-like values: 0x... | printed | printed_rip | rip | addr | any
KEYS = {
    "prog": "text", "args": "text", "native": "text", "needs": "text", "options": "text",
    "signal": "signal", "si_code": "si_code",
    "addr": "addr", "si_addr": "addr", "rip": "addr",
    "region_start": "addr", "region_last": "addr",
    "access": "exact", "region": "substr", "where": "substr",
    "reason": "substr", "insn": "substr",
}
ACCESS = ("read", "write", "exec", "none")
KEY_RE = re.compile(r"^([a-z_]+)(?:\.(4|5|native))?$")


class ExpectError(Exception):
    pass


def load_expect(path):
    """{(key, qualifier-or-None): value}"""
    exp = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if "=" not in line:
                raise ExpectError("%s:%d: not key=value: %r" % (path, n, line))
            k, v = line.split("=", 1)
            k, v = k.strip(), v.strip()
            m = KEY_RE.match(k)
            if not m or m.group(1) not in KEYS:
                raise ExpectError("%s:%d: unknown key %r" % (path, n, k))
            key = (m.group(1), m.group(2))
            if key in exp:
                raise ExpectError("%s:%d: %s given twice" % (path, n, k))
            validate(path, n, m.group(1), v)
            exp[key] = v
    if ("signal", None) not in exp:
        raise ExpectError("%s: no signal= line" % path)
    for k, q in exp:
        if k in ("prog", "args", "native", "needs", "options", "signal") and q is not None:
            raise ExpectError("%s: %s cannot differ per mode" % (path, k))
    return exp


def validate(path, n, key, v):
    kind = KEYS[key]
    bad = None
    if kind == "signal" and v != "none" and signo(v) is None:
        bad = "a signal name (SIGSEGV, ...), a number or none"
    elif kind == "si_code" and si_code(v) is None:
        bad = "an si_code name (SEGV_MAPERR, ...) or a number"
    elif kind == "addr" and v not in ("printed", "printed_rip", "rip", "addr", "any"):
        try:
            int(v, 16)
        except ValueError:
            bad = "a hex address, printed, printed_rip, rip, addr or any"
    elif key == "access" and v not in ACCESS:
        bad = " / ".join(ACCESS)
    elif key == "native" and v not in ("check", "skip"):
        bad = "check or skip"
    elif key == "needs" and v not in ("vsyscall-xonly", "no-avx512"):
        bad = "vsyscall-xonly or no-avx512"
    if bad:
        raise ExpectError("%s:%d: %s=%s: expected %s" % (path, n, key, v, bad))


def get(exp, key, mode):
    """The value for MODE ('4', '5' or 'native' with its real mode after)."""
    quals = [mode] if mode in ("4", "5") else ["native", mode[len("native"):]]
    for q in quals:
        if (key, q) in exp:
            return exp[(key, q)]
    return exp.get((key, None))


def signo(v):
    if v is None:
        return None
    if v.isdigit():
        return int(v)
    return SIGNALS.get(v)


def si_code(v):
    if v.lstrip("-").isdigit():
        return int(v)
    return SI_CODES.get(v)


def hexnum(v):
    if isinstance(v, int):
        return v
    if v is None or v == "":
        return None
    try:
        return int(v, 16)
    except (TypeError, ValueError):
        return None


def printed(stdout_path):
    """fault_addr= / fault_rip= lines of the run's stdout (the last wins)."""
    vals = {}
    try:
        with open(stdout_path, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = re.match(r"^fault_(addr|rip)=(0x[0-9a-fA-F]+)\s*$", line)
                if m:
                    vals[m.group(1)] = int(m.group(2), 16)
    except OSError:
        pass
    return vals


def expected_addr(want, seen, pr):
    """Resolve an addr-like expectation to a number; None means 'any'.
    Raises ExpectError when it cannot be resolved."""
    if want == "any":
        return None
    if want == "printed":
        if "addr" not in pr:
            raise ExpectError("the program printed no fault_addr= line")
        return pr["addr"]
    if want == "printed_rip":
        if "rip" not in pr:
            raise ExpectError("the program printed no fault_rip= line")
        return pr["rip"]
    if want in ("rip", "addr"):
        if seen.get(want) is None:
            raise ExpectError("no observed %s to compare with" % want)
        return seen[want]
    return int(want, 16)


def compare(exp, mode, seen, pr, keys):
    """[(key, message)] of the expectations among KEYS that SEEN does not meet."""
    bad = []
    for key in keys:
        want = get(exp, key, mode)
        if want is None:
            continue
        got = seen.get(key)
        kind = KEYS[key]
        if kind == "signal":
            if signo(want) != got:
                bad.append((key, "signal: expected %s, got %s" % (want, got)))
        elif kind == "si_code":
            if si_code(want) != got:
                bad.append((key, "si_code: expected %s (%d), got %s" % (want, si_code(want), got)))
        elif kind == "addr":
            try:
                w = expected_addr(want, seen, pr)
            except ExpectError as e:
                bad.append((key, "%s: %s" % (key, e)))
                continue
            if w is not None and hexnum(got) != w:
                g = hexnum(got)
                bad.append((key, "%s: expected %#x (%s), got %s" % (
                    key, w, want, "%#x" % g if g is not None else repr(got))))
        elif kind == "exact":
            if want != got:
                bad.append((key, "%s: expected %r, got %r" % (key, want, got)))
        elif kind == "substr":
            if got is None or want not in got:
                bad.append((key, "%s: expected to contain %r, got %r" % (key, want, got)))
    return bad


def load_pending(path, case, mode):
    """{key: reason} of the pending checks of CASE under MODE ('*' = all)."""
    out = {}
    if not path or not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            spec, _, reason = line.partition(" ")
            name, _, keys = spec.partition(":")
            if name != case:
                continue
            reason = reason.strip() or "no reason given"
            if not keys:
                out["*"] = reason
                continue
            for k in keys.split(","):
                k, _, m = k.partition(".")
                if not m or m == mode:
                    out[k] = reason
    return out


def report(bad, pending):
    """The RESULT records of a task."""
    out = []
    for key, msg in bad:
        if key in pending:
            out.append("SKIP\t%s\t%s (got: %s)" % (key, pending[key], msg))
        else:
            out.append("FAIL\t%s" % msg)
    badkeys = {k for k, _ in bad}
    for key in sorted(pending):
        if key != "*" and key not in badkeys:
            out.append("NOTE\tthe pending check %r passes now: take it out of PENDING" % key)
    return out


def check_pagemu(exp, case, mode, json_path, stdout_path, pending_path):
    pending = load_pending(pending_path, case, mode)
    try:
        with open(json_path, encoding="utf-8") as f:
            j = json.load(f)
    except (OSError, ValueError) as e:
        return ["FAIL\tno valid fault JSON (%s)" % e]
    seen = {
        "signal": j.get("signo"),
        "si_code": j.get("si_code"),
        "addr": j.get("addr"),
        "si_addr": j.get("si_addr"),
        "rip": j.get("rip"),
        "access": j.get("access"),
        "region": j.get("region"),
        "region_start": j.get("region_start"),
        "region_last": j.get("region_last"),
        "where": j.get("where"),
        "reason": j.get("reason"),
        "insn": j.get("insn"),
    }
    # resolve the 'rip'/'addr' references against numbers
    seen["rip"] = hexnum(seen["rip"])
    seen["addr"] = hexnum(seen["addr"])
    pr = printed(stdout_path)
    bad = compare(exp, mode, seen, pr, [k for k in KEYS if KEYS[k] != "text"])
    # the JSON must agree with itself
    if j.get("paging_levels") != int(mode):
        bad.append(("paging_levels", "paging_levels: expected %s, got %r" % (mode, j.get("paging_levels"))))
    names = {v: k for k, v in SIGNALS.items()}
    if j.get("signal") != names.get(j.get("signo"), j.get("signal")):
        bad.append(("signal", "signal %r does not name signo %r" % (j.get("signal"), j.get("signo"))))
    want = get(exp, "si_code", mode)
    if want and not want.lstrip("-").isdigit() and j.get("si_code") == si_code(want) \
            and j.get("si_code_name") != want:
        bad.append(("si_code", "si_code_name: expected %r, got %r" % (want, j.get("si_code_name"))))
    return report(bad, pending)


def check_native(exp, mode, siginfo_path, stdout_path):
    line = ""
    try:
        with open(siginfo_path, encoding="utf-8") as f:
            lines = [l for l in f.read().splitlines() if l.strip()]
            line = lines[-1] if lines else ""
    except OSError:
        pass
    if not line:
        return ["FAIL\tthe siginfo helper recorded no signal"]
    fields = dict(kv.split("=", 1) for kv in line.split())
    seen = {
        "signal": int(fields.get("signo", "-1")),
        "si_code": int(fields.get("code", "-999")),
        "si_addr": hexnum(fields.get("addr")),
        "rip": hexnum(fields.get("rip")),
    }
    pr = printed(stdout_path)
    keys = ["signal", "si_code", "si_addr", "rip"]
    # `addr` (pagemu's JSON) does not exist natively: such references are 'any'
    bad = []
    for key, msg in compare(exp, "native" + mode, seen, pr, keys):
        if "no observed addr" in msg:
            continue
        bad.append((key, msg))
    return report(bad, {})


def cmd_check(expect, pending_path, tasks):
    exp = load_expect(expect)
    case = os.path.basename(expect)[:-len(".expect")]
    failed = False
    for task in tasks:
        parts = task.split(":", 2)
        if len(parts) != 3 or parts[0] not in ("pagemu", "native") \
                or parts[1] not in ("4", "5"):
            raise ExpectError("bad task %r" % task)
        kind, mode, prefix = parts
        if kind == "pagemu":
            out = check_pagemu(exp, case, mode, prefix + ".json",
                               prefix + ".out", pending_path)
        else:
            out = check_native(exp, mode, prefix + ".si", prefix + ".out")
        failed = failed or any(r.startswith("FAIL\t") for r in out)
        with open(prefix + ".chk", "w", encoding="utf-8") as f:
            f.write("".join(r + "\n" for r in out))
    return 1 if failed else 0


def main(argv):
    try:
        if len(argv) >= 4 and argv[1] == "check":
            return cmd_check(argv[2], argv[3], argv[4:])
    except ExpectError as e:
        print("FAIL\t%s" % e)
        return 2
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
