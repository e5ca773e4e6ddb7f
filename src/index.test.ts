import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import * as tsbpf from './index.js';

it('the public API parses, loads, runs and reads maps', () => {
  const bytes = new Uint8Array(readFileSync(new URL('../testdata/runtime/xdp_rt.o', import.meta.url)));
  const spec = tsbpf.parseObject(bytes, { name: 'xdp_rt' } as never);
  const coll = tsbpf.loadCollection(spec, { runtime: new tsbpf.Runtime({ ncpus: 2 }) });
  const frame = new Uint8Array(60);
  frame[12] = 0x08; frame[14] = 0x45; frame[23] = 6;
  const r = coll.programs.xdp_count!.run({ data: frame, repeat: 2 });
  expect(r.retval).toBe(tsbpf.XdpAction.PASS);
  expect(coll.maps.proto_cnt!.lookup(new Uint8Array([6, 0, 0, 0]))[0]).toBe(2);
  expect(tsbpf.progTypeInfo(tsbpf.ProgType.XDP)!.ctxName).toBe('xdp_md');
  expect(tsbpf.implementedHelpers()).toContain(tsbpf.BpfFunc.fib_lookup);
  expect(tsbpf.disassemble(coll.programs.xdp_pass!.xlated)).toMatch(/r0 = (0x)?2/);
  coll.close();
  expect(() => coll.programs.xdp_pass!.run({ data: frame })).toThrow(tsbpf.BpfError);
});
