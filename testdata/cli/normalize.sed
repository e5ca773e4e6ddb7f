# Volatile fields of bpftool / tsbpf output, replaced so transcripts compare byte for byte:
# object ids, load times, memlock, instruction/JIT sizes, durations.
s/^[0-9]+: /ID: /
s/"id": ?[0-9]+/"id":ID/g
s/map_ids [0-9,]+/map_ids IDS/
s/"map_ids": ?\[[0-9,]+\]/"map_ids":IDS/
s/btf_id [0-9]+/btf_id ID/
s/"btf_id": ?[0-9]+/"btf_id":ID/g
s/map\[id:[0-9]+\]/map[id:ID]/g
s/loaded_at [^ ]+/loaded_at TIME/
s/"loaded_at": ?[0-9]+/"loaded_at":TIME/
s/memlock [0-9]+B/memlock NB/
s/"bytes_memlock": ?[0-9]+/"bytes_memlock":N/
s/xlated [0-9]+B  (jited [0-9]+B|not jited)/xlated NB  JIT/
s/"bytes_xlated": ?[0-9]+,"jited": ?(true,"bytes_jited": ?[0-9]+|false)/"bytes_xlated":N,"jited":JIT/
s/duration( \(average\))?: [0-9]+ns/duration\1: Nns/
s/"duration": ?[0-9]+/"duration":N/g
