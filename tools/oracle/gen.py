import sys
prefix, names = sys.argv[1], sys.argv[2:]
V = ["3.11.7", "3.12.1", "3.13.0"]
P = ["PY311", "PY312", "PY313"]
Q = '"'
def lit(t):
    return "r#" + Q + "\n" + t + "\n" + Q + "#"
for n in names:
    traces = []
    for v in V:
        lines = [l for l in open(f"out/{prefix}_{n}_{v}.txt").read().splitlines() if not l.startswith("#")]
        traces.append("\n".join(lines))
    N = n.upper()
    if traces[0] == traces[1] == traces[2]:
        print(f"const {N}: Traces = Traces([{N}_ALL; 3]);\nconst {N}_ALL: &str = {lit(traces[0])};\n")
    else:
        ids = [f"{N}_{P[traces.index(t)]}" for t in traces]
        print(f"const {N}: Traces = Traces([{', '.join(ids)}]);")
        for i, t in enumerate(traces):
            if traces.index(t) == i:
                print(f"const {N}_{P[i]}: &str = {lit(t)};")
        print()
