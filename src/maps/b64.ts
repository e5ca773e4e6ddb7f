// base64 of byte arrays for map snapshots.

export function b64(u8: Uint8Array): string {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString('base64');
}

export function unb64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'));
}
