# map-fd-values: the 4-byte values of prog arrays and maps of maps are kernel object ids
# (bpftool prints the prog / map id a slot holds); the kernel's ids vary from run to run.
# test/cli/fd-values.test.ts checks that they are the ids `prog show` / `map show` give.
s/value: [0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2}$/value: ID/
s/"value":\["0x[0-9a-f]{2}","0x[0-9a-f]{2}","0x[0-9a-f]{2}","0x[0-9a-f]{2}"\]/"value":ID/g
