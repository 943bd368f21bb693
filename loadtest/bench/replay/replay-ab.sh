#!/usr/bin/env bash
# Alternating A/B replay rounds on one trace (docs/performance.md, replay speed). usage: TRACE=t.jsonl replay-ab.sh ROUNDS OUTFILE NAME=JAR:FLAGS ...
# Each run: java FLAGS -jar JAR replay --trace $TRACE --out $WORK/d-NAME.jsonl --summary ...; records
# requests_per_second (the summary's), user/sys CPU (/usr/bin/time), 1-min load before the run, cmp vs the first config's decisions.
set -u
WORK=${WORK:-/tmp/replay-ab}; mkdir -p "$WORK"
rounds=$1; out=$2; shift 2
TRACE=${TRACE:?set TRACE to a trace file (./guard generate)}
JAVA=${JAVA:-java}
echo "# $(date -u +%FT%TZ) trace=$TRACE rounds=$rounds java=$($JAVA -version 2>&1 | head -1)" >> "$out"
echo -e "round\tconfig\treq_per_s\tuser_s\tsys_s\twall_s\tload1_before\tdecisions_vs_first" >> "$out"
first=""
for r in $(seq 1 "$rounds"); do
  for spec in "$@"; do
    name=${spec%%=*}; rest=${spec#*=}; jar=${rest%%:*}; flags=${rest#*:}
    load=$(cut -d' ' -f1 /proc/loadavg)
    /usr/bin/time -f "%U %S %e" -o $WORK/time.txt $JAVA $flags -jar "$jar" replay --trace "$TRACE" \
      --out $WORK/d-$name.jsonl --summary $WORK/s-$name.json 2>$WORK/err-$name.txt
    read u s w < $WORK/time.txt
    rps=$(grep -o '"requests_per_second":[0-9]*' $WORK/s-$name.json | cut -d: -f2)
    [[ -z "$first" ]] && first=$name
    same=$(cmp -s $WORK/d-$first.jsonl $WORK/d-$name.jsonl && echo identical || echo DIFFERENT)
    echo -e "$r\t$name\t$rps\t$u\t$s\t$w\t$load\t$same" | tee -a "$out"
  done
done
