// cgroup hooks that are not about sockets' addresses: cgroup/dev (struct
// bpf_cgroup_dev_ctx), cgroup/sysctl (struct bpf_sysctl), cgroup/getsockopt and
// cgroup/setsockopt (struct bpf_sockopt). As the running kernel (6.18) answers: checked
// against testdata/runtime/kernel-ctx-more.json. None of them can be test-run (ENOTSUPP).

import { AttachType as A, ProgType } from '../uapi/bpf.js';
import { field, NARROW } from './ctx.js';
import { FUNC_GET_RETVAL, FUNC_SET_RETVAL, retvalHelpers, simpleInfo } from './common.js';
import type { CtxField } from './types.js';

const retval = (id: number, attach: number): boolean | undefined =>
  id === FUNC_GET_RETVAL || id === FUNC_SET_RETVAL ? retvalHelpers(attach) : undefined;

const DEV_FIELDS: CtxField[] = [
  field('access_type', 0, 4, NARROW), field('major', 4, 4, [4]), field('minor', 8, 4, [4]),
];

export const CGROUP_DEVICE_INFO = simpleInfo({
  type: ProgType.CGROUP_DEVICE, name: 'cgroup_device', ctxName: 'bpf_cgroup_dev_ctx', ctxSize: 12,
  fields: () => DEV_FIELDS,
  helper: retval,
  retRange: () => [0, 1],
});

const SYSCTL_FIELDS: CtxField[] = [field('write', 0, 4, NARROW), field('file_pos', 4, 4, NARROW, [4])];

export const CGROUP_SYSCTL_INFO = simpleInfo({
  type: ProgType.CGROUP_SYSCTL, name: 'cgroup_sysctl', ctxName: 'bpf_sysctl', ctxSize: 8,
  fields: () => SYSCTL_FIELDS,
  helper: retval,
  retRange: () => [0, 1],
});

function sockoptFields(attach: number): CtxField[] {
  const set = attach === A.CGROUP_SETSOCKOPT;
  const get = attach === A.CGROUP_GETSOCKOPT;
  const f: CtxField[] = [
    field('sk', 0, 8, [8], [], 'socket'),
    field('optval', 8, 8, [8], [], 'pkt'),
    field('optval_end', 16, 8, [8], [], 'pkt_end'),
    // setsockopt may rewrite level and optname; both may set optlen; getsockopt sees and sets retval
    field('level', 24, 4, [4], set ? [4] : []),
    field('optname', 28, 4, [4], set ? [4] : []),
    field('optlen', 32, 4, [4], [4]),
  ];
  if (get) f.push(field('retval', 36, 4, [4], [4]));
  return f;
}

const FUNC_SETSOCKOPT = 49;
const FUNC_GETSOCKOPT = 57;

export const CGROUP_SOCKOPT_INFO = simpleInfo({
  type: ProgType.CGROUP_SOCKOPT, name: 'cgroup_sockopt', ctxName: 'bpf_sockopt', ctxSize: 40,
  attachTypes: [A.CGROUP_GETSOCKOPT, A.CGROUP_SETSOCKOPT],
  fields: sockoptFields,
  helper: (id, attach) => (id === FUNC_SETSOCKOPT || id === FUNC_GETSOCKOPT ? attach === A.CGROUP_SETSOCKOPT : retval(id, attach)),
  packetAccess: 'write',
  retRange: () => [0, 1],
});
