// Just enough typing for @hyperswarm/secret-stream (the package ships none) for the bench.
declare module '@hyperswarm/secret-stream' {
  import type { Duplex } from 'node:stream';
  interface KeyPair {
    publicKey: Buffer;
    secretKey: Buffer;
  }
  class NoiseSecretStream {
    constructor(isInitiator: boolean, rawStream: Duplex, opts?: { keyPair?: KeyPair });
    static keyPair(seed?: Buffer): KeyPair;
    readonly opened: Promise<boolean>;
    write(data: Uint8Array): boolean;
    end(): void;
    destroy(err?: Error): void;
    on(event: 'data', fn: (data: Buffer) => void): this;
    on(event: 'error' | 'close' | 'drain' | 'end', fn: (...args: unknown[]) => void): this;
    once(event: 'data', fn: (data: Buffer) => void): this;
    once(event: 'error' | 'close' | 'drain' | 'end', fn: (...args: unknown[]) => void): this;
    off(event: string, fn: (...args: never[]) => void): this;
  }
  export default NoiseSecretStream;
}
