# SPDX-License-Identifier: GPL-2.0
# Helpers for the guest halves of tools/bench-loopback.sh (after tests/guest/lib.sh):
#   run_fio NAME FIO-ARGS...  one fio job on $dev for $RUNTIME s (direct, libaio, 2 s ramp),
#                             printed as "RESULT NAME_iops|_MBps|_clat_p50_us <value> <unit>"
#                             lines per direction that moved data ("RESULT error fio-NAME" and
#                             fio's stderr when fio fails)

run_fio() { # name fio-args...
	local name=$1
	shift
	fio --name="$name" --filename="$dev" --direct=1 --ioengine=libaio --runtime="$RUNTIME" \
		--time_based --ramp_time=2 --output-format=json "$@" >/tmp/fio-$name.json 2>/tmp/fio-$name.err || {
		echo "RESULT error fio-$name"
		cat /tmp/fio-$name.err
		return 1
	}
	python3 - "$name" /tmp/fio-$name.json <<'PY'
import json, sys
name, path = sys.argv[1], sys.argv[2]
j = json.load(open(path))["jobs"][0]
for d in ("read", "write"):
    if j[d]["io_bytes"]:
        print(f"RESULT {name}_iops {j[d]['iops']:.0f} IOPS")
        print(f"RESULT {name}_MBps {j[d]['bw_bytes'] / 1e6:.1f} MB/s")
        print(f"RESULT {name}_clat_p50_us {j[d]['clat_ns']['percentile']['50.000000'] / 1000:.1f} us")
PY
}
