import { describe, expect, it } from 'vitest';
import { JsonWriter } from './writer.js';

// Shapes taken from bpftool 7.1 output on this project's objects.
function mapShow(w: JsonWriter): void {
  w.startArray();
  for (const id of [58, 59]) {
    w.startObject().uintField('id', id).stringField('type', 'hash').stringField('name', 'counts')
      .name('flags').raw('0').uintField('bytes_key', 4).endObject();
  }
  w.endArray();
  w.finish();
}

describe('JsonWriter (bpftool json_writer layout)', () => {
  it('compact', () => {
    const w = new JsonWriter(false);
    mapShow(w);
    expect(w.text()).toBe('[{"id":58,"type":"hash","name":"counts","flags":0,"bytes_key":4},{"id":59,"type":"hash","name":"counts","flags":0,"bytes_key":4}]\n');
  });
  it('pretty: arrays of objects and of scalars', () => {
    const w = new JsonWriter(true);
    mapShow(w);
    expect(w.text()).toBe('[{\n        "id": 58,\n        "type": "hash",\n        "name": "counts",\n        "flags": 0,\n        "bytes_key": 4\n    },{\n        "id": 59,\n        "type": "hash",\n        "name": "counts",\n        "flags": 0,\n        "bytes_key": 4\n    }\n]\n');
    const v = new JsonWriter(true);
    v.startObject().name('map_ids').startArray().uint(58).uint(59).uint(61).endArray().intField('btf_id', 34).endObject().finish();
    expect(v.text()).toBe('{\n    "map_ids": [58,59,61\n    ],\n    "btf_id": 34\n}\n');
  });
  it('pretty nested objects (map dump formatted)', () => {
    const w = new JsonWriter(true);
    w.startArray().startObject().name('key').hexBytes(Uint8Array.of(0, 0)).name('formatted').startObject()
      .uintField('key', 0).uintField('value', 0).endObject().endObject().endArray().finish();
    expect(w.text()).toBe('[{\n        "key": ["0x00","0x00"\n        ],\n        "formatted": {\n            "key": 0,\n            "value": 0\n        }\n    }\n]\n');
  });
  it('empty collections, null, escapes', () => {
    const w = new JsonWriter(true);
    w.startArray().endArray().finish();
    expect(w.text()).toBe('[]\n');
    const n = new JsonWriter(false);
    n.null().finish();
    expect(n.text()).toBe('null\n');
    const s = new JsonWriter(false);
    s.string('a"b\'c\td\\e\n');
    expect(s.text()).toBe('"a\\"b\\\'c\\td\\ne\\n"');
  });
  it('value() writes plain JS values in order', () => {
    const w = new JsonWriter(false);
    w.value({ a: 1, b: [true, null, 'x'], c: 18446744073709551615n });
    expect(w.text()).toBe('{"a":1,"b":[true,null,"x"],"c":18446744073709551615}');
  });
});
