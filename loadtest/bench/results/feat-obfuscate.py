"""Rewrites a trace's prompt texts with Unicode spelling tricks (homoglyphs, full-width, zero-width, combining
marks, ligatures, math bold, RTL controls, emoji, lone surrogates via escapes), deterministically per line."""
import json, random, sys
TRICKS = [
    lambda w, r: w.replace("o", "\u043e").replace("a", "\u0430").replace("e", "\u0435"),   # Cyrillic
    lambda w, r: "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in w),        # full-width
    lambda w, r: "\u200b".join(w),                                                          # zero-width space
    lambda w, r: "".join(c + "\u0301" for c in w),                                          # combining acute
    lambda w, r: w.replace("fi", "\ufb01").replace("fl", "\ufb02"),                         # ligatures
    lambda w, r: "".join(chr(0x1D41A + ord(c) - 97) if "a" <= c <= "z" else c for c in w),  # math bold
    lambda w, r: "\u202e" + w + "\u202c",                                                   # RTL override
    lambda w, r: w + "\U0001F600",                                                          # emoji
    lambda w, r: w.upper().replace("O", "\u039f"),                                          # Greek capital omicron
    lambda w, r: w[:1] + "\u00ad" + w[1:],                                                  # soft hyphen
    lambda w, r: w + "\u2019s",                                                             # smart quote
    lambda w, r: w + "\ud800",                                                              # lone surrogate (escaped)
    lambda w, r: "\u4e2d" + w,                                                              # CJK
]
def mutate(text, r):
    words = text.split(" ")
    for i in range(len(words)):
        if r.random() < 0.3:
            words[i] = TRICKS[r.randrange(len(TRICKS))](words[i], r)
    return " ".join(words)
def walk(node, r):
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("content", "text", "system", "input", "instructions", "prompt") and isinstance(v, str):
                node[k] = mutate(v, r)
            else:
                walk(v, r)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, str):
                node[i] = mutate(v, r)
            else:
                walk(v, r)
src, dst, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8", errors="surrogatepass") as out:
    for n, line in enumerate(f):
        if n >= limit: break
        r = random.Random(n)
        d = json.loads(line)
        if r.random() < 0.5 and "body" in d:
            walk(d["body"], r)
        # half the lines as \\u escapes (lone surrogates only survive that way), half as raw UTF-8
        s = json.dumps(d, ensure_ascii=(n % 2 == 0), separators=(",", ":"))
        if n % 2 == 1 and "\ud800" in s:
            s = json.dumps(d, ensure_ascii=True, separators=(",", ":"))
        out.write(s + "\n")
