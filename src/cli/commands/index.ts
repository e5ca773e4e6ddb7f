// The objects of the tsbpf command line, in the order help lists them.
import type { CliObject } from '../context.js';
import { asmObject } from './asm.js';
import { btfObject } from './btf.js';
import { disasmObject } from './disasm.js';
import { mapObject } from './map.js';
import { progObject } from './prog.js';
import { verifyObject } from './verify.js';

export const OBJECTS: readonly CliObject[] = [progObject, mapObject, btfObject, verifyObject, asmObject, disasmObject];
