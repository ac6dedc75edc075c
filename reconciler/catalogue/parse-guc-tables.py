#!/usr/bin/env python3
"""Fallback generator: the catalogue of a PostgreSQL major read from its source tree.

    parse-guc-tables.py SRCDIR MAJOR SOURCE-NOTE [--drop NAME,...] [--also FILE:NAME,...] > settings-MAJOR.tsv

--drop leaves out parameters a patched tree added (a fork's own); --also copies rows from
another catalogue for parameters a later minor release added (restrict_nonsystem_relation_kind
came with 13.16, 14.13, 15.8 and 16.4); both are named in the file header.

Used for the majors whose server could not be built here in time (build-catalogue.sh, which asks
the real binary, is the first choice). Reads the parameter tables (src/backend/utils/misc/guc.c
up to 15, guc_tables.c from 16) and every `config_enum_entry` array under src/backend, and
writes the same columns as build-catalogue.sh: name, type, unit, min, max, enum values, hidden
enum aliases, context. Parameters flagged GUC_NO_SHOW_ALL are left out, as pg_settings leaves
them out. Conditional code is read as for a Linux build with OpenSSL, LZ4, zstd and syslog (what
distribution packages ship), without assertions or debug-only options.

Checked against the servers: on the REL_15 branch point it gives build-catalogue.sh's rows for
the PostgreSQL 15.18 binary except enable_group_by_reordering (removed before 15.0),
extension_destdir (a Debian patch), restrict_nonsystem_relation_kind (15.8) and
server_version_num; on the 14.13 tree, the rows of a 14.13 server built from it except
default_toast_compression (that build had no LZ4) and server_version_num; on the 17.4 src/, the
rows of a server built from it except default_toast_compression and wal_compression (no LZ4 nor
zstd in that build).
"""
import glob
import os
import re
import sys
import warnings

warnings.filterwarnings("ignore", category=SyntaxWarning)

DEFINED = {
    "HAVE_SYSLOG", "HAVE_SYNCFS", "USE_LZ4", "USE_ZSTD", "USE_SSL", "USE_OPENSSL", "TRACE_SORT",
    "USE_DSM_POSIX", "USE_DSM_SYSV", "USE_DSM_MMAP", "HAVE_UNIX_SOCKETS", "USE_PREFETCH", "HAVE_FDATASYNC",
    "OPEN_DATASYNC_FLAG", "OPEN_SYNC_FLAG", "HAVE_POLL_H", "PG_KRB_SRVTAB", "USE_LIBXML",
    "HAVE_POSIX_FADVISE", "USE_POSIX_FADVISE", "O_SYNC", "O_DSYNC",
}
CONSTANTS = {
    "INT_MAX": 2147483647, "INT_MIN": -2147483648, "PG_INT32_MAX": 2147483647,
    "MAX_KILOBYTES": 2147483647, "MAX_BACKENDS": 0x3FFFF, "BLCKSZ": 8192, "XLOG_BLCKSZ": 8192,
    "DBL_MAX": 1.7976931348623157e308, "MAX_IO_CONCURRENCY": 1000, "NAMEDATALEN": 64,
    "MAX_SEGSIZE": 2147483647, "MAX_TOAST_CHUNK_SIZE": 0, "RELSEG_SIZE": 131072,
    "PG_MAX_AUTH_TOKEN_LENGTH": 65535, "MAX_IO_COMBINE_LIMIT": 32, "DEFAULT_IO_COMBINE_LIMIT": 16,
    "MAX_SCRAM_ITERATIONS_NOT": 0, "LOG_STREAMING_MAX": 0, "FLT_MAX": 3.402823466e38,
    "SLRU_MAX_ALLOWED_BUFFERS": 131072, "MAX_PARALLEL_WORKER_LIMIT": 1024,
    "PG_SSL_MAX_PROTOCOL": 0, "WAL_SEG_MIN_SIZE": 1048576, "WAL_SEG_MAX_SIZE": 1073741824,
    "DEFAULT_XLOG_SEG_SIZE": 16777216, "MAX_CONVERSION_GROWTH": 4, "SIZE_MAX": 2**64 - 1,
}
UNITS = {
    "GUC_UNIT_KB": "kB", "GUC_UNIT_BLOCKS": "8kB", "GUC_UNIT_XBLOCKS": "8kB", "GUC_UNIT_MB": "MB",
    "GUC_UNIT_BYTE": "B", "GUC_UNIT_MS": "ms", "GUC_UNIT_S": "s", "GUC_UNIT_MIN": "min",
}
CONTEXTS = {
    "PGC_INTERNAL": "internal", "PGC_POSTMASTER": "postmaster", "PGC_SIGHUP": "sighup",
    "PGC_SU_BACKEND": "superuser-backend", "PGC_BACKEND": "backend", "PGC_SUSET": "superuser",
    "PGC_USERSET": "user",
}


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def preprocess(text):
    """Keeps the lines a build with DEFINED would compile; #if expressions other than
    defined()/! are taken as false unless they only compare BLCKSZ (compile-time checks)."""
    out, stack = [], []
    for line in text.split("\n"):
        s = line.strip()
        m = re.match(r"#\s*(ifdef|ifndef|if|elif|else|endif)\b(.*)", s)
        if not m:
            if all(stack_active for stack_active, _ in stack):
                out.append(line)
            continue
        kind, expr = m.group(1), m.group(2).strip()
        if kind in ("ifdef", "ifndef", "if"):
            if kind == "ifdef":
                val = expr in DEFINED
            elif kind == "ifndef":
                val = expr not in DEFINED
            else:
                val = eval_if(expr)
            stack.append([val, val])
        elif kind == "elif":
            top = stack[-1]
            val = (not top[1]) and eval_if(expr)
            top[0] = val
            top[1] = top[1] or val
        elif kind == "else":
            top = stack[-1]
            top[0] = not top[1]
            top[1] = True
        else:
            stack.pop()
    return "\n".join(out)


def eval_if(expr):
    e = re.sub(r"defined\s*\(\s*(\w+)\s*\)", lambda m: "1" if m.group(1) in DEFINED else "0", expr)
    e = re.sub(r"defined\s+(\w+)", lambda m: "1" if m.group(1) in DEFINED else "0", e)
    e = e.replace("||", " or ").replace("&&", " and ").replace("!", " not ").replace(" not =", "!=")
    e = re.sub(r"\b[A-Za-z_]\w*\b", lambda m: m.group(0) if m.group(0) in ("or", "and", "not") else str(CONSTANTS.get(m.group(0), 0)), e)
    try:
        return bool(eval(e))
    except Exception:
        return False


def balanced(text, start):
    """Index just past the brace group that opens at text[start] == '{'."""
    depth, i, in_str = 0, start, False
    while i < len(text):
        c = text[i]
        if in_str:
            if c == "\\":
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError("unbalanced")


def split_top(text):
    """Splits on commas outside braces, parentheses and strings."""
    parts, depth, cur, in_str, i = [], 0, [], False, 0
    while i < len(text):
        c = text[i]
        if in_str:
            cur.append(c)
            if c == "\\":
                cur.append(text[i + 1])
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
            cur.append(c)
        elif c in "{(":
            depth += 1
            cur.append(c)
        elif c in "})":
            depth -= 1
            cur.append(c)
        elif c == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    if "".join(cur).strip():
        parts.append("".join(cur).strip())
    return parts


def entries(text, array):
    m = re.search(r"\b" + array + r"\s*\[\s*\]\s*=\s*\{", text)
    if not m:
        raise SystemExit("no " + array)
    body_start = m.end() - 1
    body = text[body_start + 1:balanced(text, body_start) - 1]
    return [e[1:-1] for e in split_top(body) if e.startswith("{")]


DEFINES = {}


def collect_defines(src, extra_text):
    """Simple numeric #defines of the headers, so that min and max written as macros evaluate."""
    texts = [extra_text]
    for path in glob.glob(os.path.join(src, "src/include/**/*.h"), recursive=True):
        with open(path, encoding="utf-8", errors="replace") as f:
            texts.append(preprocess(strip_comments(f.read())))
    for text in texts:
        for m in re.finditer(r"^\s*#\s*define\s+(\w+)\s+([-+*/()\w. ]+?)\s*$", text, flags=re.M):
            DEFINES.setdefault(m.group(1), m.group(2))


def expand(e, depth=0):
    if depth > 20:
        raise ValueError("macro loop in " + e)
    def sub(m):
        w = m.group(0)
        if w in CONSTANTS:
            return repr(CONSTANTS[w])
        if w in DEFINES:
            return "(" + expand(DEFINES[w], depth + 1) + ")"
        return w
    return re.sub(r"\b[A-Za-z_]\w*\b", sub, e)


def value(expr):
    e = re.sub(r"\(\s*(int|double|float|size_t|Size|int32|int64|uint32|uint64|long)\s*\)", "", expr.strip())
    e = re.sub(r"\bMin\s*\(", "min(", re.sub(r"\bMax\s*\(", "max(", e))
    e = expand(e)
    e = re.sub(r"\(\s*(int|double|float|size_t|Size|int32|int64|uint32|uint64|long)\s*\)", "", e)
    e = re.sub(r"(?<![\w.])(\d+(\.\d*)?([eE][-+]?\d+)?)[LlUu]+\b", r"\1", e)
    unknown = [w for w in re.findall(r"\b[A-Za-z_]\w*\b", e) if w not in CONSTANTS and not re.match(r"^\d", w) and w not in ("e", "E", "min", "max")]
    if unknown:
        raise ValueError("unknown constant in " + expr + ": " + ",".join(unknown))
    e = re.sub(r"\b[A-Za-z_]\w*\b", lambda m: repr(CONSTANTS[m.group(0)]) if m.group(0) in CONSTANTS else m.group(0), e)
    is_int = not re.search(r"[.eE]\d|\d[eE]|\.\d|\d\.", e) and "1.79769" not in e
    if is_int:
        e = e.replace("/", "//")
        e = re.sub(r"\b0([0-7]+)\b", r"0o\1", e)
    v = eval(e)
    return int(v) if is_int and isinstance(v, int) else v


def fmt(v, vartype):
    if vartype == "integer":
        return str(int(v))
    return "%g" % v


def enum_arrays(src):
    arrays = {}
    for path in glob.glob(os.path.join(src, "src/backend/**/*.c"), recursive=True) + glob.glob(os.path.join(src, "src/include/**/*.h"), recursive=True):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        if "config_enum_entry" not in text:
            continue
        text = preprocess(strip_comments(text))
        for m in re.finditer(r"config_enum_entry\s+(\w+)\s*\[\s*\]\s*=\s*\{", text):
            body = text[m.end() - 1 + 1:balanced(text, m.end() - 1) - 1]
            labels = []
            for e in split_top(body):
                if not e.startswith("{"):
                    continue
                f = split_top(e[1:-1])
                if f[0] == "NULL":
                    continue
                labels.append((bytes(f[0].strip('"'), "utf-8").decode("unicode_escape"), f[2].strip() == "true"))
            arrays[m.group(1)] = labels
    return arrays


def main():
    src, major, note = sys.argv[1], sys.argv[2], sys.argv[3]
    drop, also = [], []
    args = sys.argv[4:]
    while args:
        flag, arg = args[0], args[1]
        args = args[2:]
        if flag == "--drop":
            drop += arg.split(",")
        elif flag == "--also":
            also += [tuple(a.rsplit(":", 1)) for a in arg.split(",")]
        else:
            raise SystemExit("unknown option " + flag)
    CONSTANTS["PG_VERSION_NUM"] = int(major) * 10000  # internal, never settable: the minor is moot
    tables = os.path.join(src, "src/backend/utils/misc/guc_tables.c")
    if not os.path.exists(tables):
        tables = os.path.join(src, "src/backend/utils/misc/guc.c")
    with open(tables, encoding="utf-8") as f:
        text = preprocess(strip_comments(f.read()))
    collect_defines(src, text)
    enums = enum_arrays(src)
    rows = {}
    for array, vartype in (("ConfigureNamesBool", "bool"), ("ConfigureNamesInt", "integer"),
                           ("ConfigureNamesReal", "real"), ("ConfigureNamesString", "string"),
                           ("ConfigureNamesEnum", "enum")):
        for e in entries(text, array):
            parts = split_top(e)
            generic = split_top(parts[0][1:-1])
            if generic[0] == "NULL":
                continue
            name = generic[0].strip('"')
            context = CONTEXTS[generic[1]]
            flags = generic[5] if len(generic) > 5 else "0"
            if "GUC_NO_SHOW_ALL" in flags:
                continue
            unit = ""
            for token, u in UNITS.items():
                if re.search(r"\b" + token + r"\b", flags):
                    unit = u
            lo = hi = labels = hidden = ""
            if vartype in ("integer", "real"):
                lo, hi = fmt(value(parts[3]), vartype), fmt(value(parts[4]), vartype)
            if vartype == "enum":
                ref = re.match(r"&?\s*(\w+)\s*(?:\+\s*(\d+))?$", parts[3].strip())
                options = enums[ref.group(1)][int(ref.group(2) or 0):]
                labels = ",".join(l for l, h in options if not h)
                hidden = ",".join(l for l, h in options if h)
            rows[name] = [name, vartype, unit, lo, hi, labels, hidden, context]
    for name in drop:
        del rows[name]
    for path, name in also:
        with open(path, encoding="utf-8") as f:
            rows[name] = next(l.rstrip("\n").split("\t") for l in f if l.startswith(name + "\t"))
    print("# PostgreSQL %s parameters, generated by reconciler/catalogue/parse-guc-tables.py from the" % major)
    print("# source (fallback: no server of this major could be built here); do not edit.")
    print("# source: " + note)
    if drop:
        print("# left out, added by that tree's own patches: " + ", ".join(drop))
    if also:
        print("# added from a later minor release: " + ", ".join("%s (row of %s)" % (n, os.path.basename(p)) for p, n in also))
    print("# columns: name, type, unit, min, max, enum values, enum aliases the server accepts unlisted, context")
    for name in sorted(rows):
        print("\t".join(rows[name]))


if __name__ == "__main__":
    main()
