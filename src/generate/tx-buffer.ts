/** Row flags that change how the walk over the sorted month treats a planned transaction. */
export const FLAG_DRAIN = 1;

/** One month of one shard's planned transactions, column-wise; grows as needed. */
export class TxBuffer {
  length = 0;
  second = new Float64Array(0);
  client = new Int32Array(0);
  service = new Uint8Array(0);
  channel = new Uint8Array(0);
  amount = new Float64Array(0);
  counterparty = new Int32Array(0);
  /** 0: none; > 0: hash of an external party; < 0: an institution (bank, tax office, …). */
  party = new Float64Array(0);
  device = new Float64Array(0);
  /** 0: legitimate; else 1 + index in FRAUD_TYPES. */
  fraud = new Uint8Array(0);
  /** 0: decided by the walk; else 1 + index in STATUS_ROWS. */
  forcedStatus = new Uint8Array(0);
  flags = new Uint8Array(0);

  constructor(capacity = 1 << 16) {
    this.#grow(capacity);
  }

  clear(): void {
    this.length = 0;
  }

  push(
    second: number,
    client: number,
    service: number,
    channel: number,
    amount: number,
    counterparty: number,
    party: number,
    device: number,
    fraud = 0,
    forcedStatus = 0,
    flags = 0,
  ): void {
    if (this.length === this.second.length) this.#grow(this.length * 2);
    const i = this.length++;
    this.second[i] = second;
    this.client[i] = client;
    this.service[i] = service;
    this.channel[i] = channel;
    this.amount[i] = amount;
    this.counterparty[i] = counterparty;
    this.party[i] = party;
    this.device[i] = device;
    this.fraud[i] = fraud;
    this.forcedStatus[i] = forcedStatus;
    this.flags[i] = flags;
  }

  /** Row indices ordered by time, ties by insertion order. */
  order(): Uint32Array {
    const n = this.length;
    if (n >= 2 ** 22) throw new Error(`a shard-month holds ${n} rows; raise the shard count`);
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = Math.floor(this.second[i] as number) * 2 ** 22 + i;
    keys.sort();
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = (keys[i] as number) % 2 ** 22;
    return order;
  }

  #grow(capacity: number): void {
    const copy = <T extends Float64Array | Int32Array | Uint8Array>(a: T, Kind: new (n: number) => T): T => {
      const b = new Kind(capacity);
      b.set(a.subarray(0, this.length) as never);
      return b;
    };
    this.second = copy(this.second, Float64Array);
    this.client = copy(this.client, Int32Array);
    this.service = copy(this.service, Uint8Array);
    this.channel = copy(this.channel, Uint8Array);
    this.amount = copy(this.amount, Float64Array);
    this.counterparty = copy(this.counterparty, Int32Array);
    this.party = copy(this.party, Float64Array);
    this.device = copy(this.device, Float64Array);
    this.fraud = copy(this.fraud, Uint8Array);
    this.forcedStatus = copy(this.forcedStatus, Uint8Array);
    this.flags = copy(this.flags, Uint8Array);
  }
}
