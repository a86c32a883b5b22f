/**
 * What a monitored stream-hour costs: the CPU a bench measured, priced on AWS Fargate (arm64, Linux), and the
 * same work priced in the serverless-only design Prime Video left (a Step Functions Standard state transition
 * per second of stream, frames through S3). Pure arithmetic over dated public list prices; the bench supplies
 * the measurements.
 *
 * Prices: AWS public on-demand list prices for us-east-1 (N. Virginia), as of PRICES_AS_OF, without free tiers,
 * Savings Plans or Spot. They change: override the Fargate ones with AVMON_PRICE_VCPU_HOUR, AVMON_PRICE_GB_HOUR
 * (US dollars) and AVMON_PRICE_REGION (the label printed beside them) — that is the one way, read by
 * `fargatePrices()`.
 */

/** The day the constants below were taken from AWS's published pricing. */
export const PRICES_AS_OF = "2026-12-02";
export const PRICES_REGION = "us-east-1";

/** Fargate, Linux/ARM (Graviton), per vCPU per hour. */
export const FARGATE_ARM64_VCPU_HOUR = 0.03238;
/** Fargate, Linux/ARM (Graviton), per GB of memory per hour. */
export const FARGATE_ARM64_GB_HOUR = 0.00356;
/** Step Functions Standard workflows: $0.025 per 1,000 state transitions. */
export const STEP_FUNCTIONS_STANDARD_TRANSITION = 0.025 / 1000;
/** S3 Standard: PUT (and COPY, POST, LIST) requests, $0.005 per 1,000. */
export const S3_PUT_REQUEST = 0.005 / 1000;
/** S3 Standard: GET (and SELECT, all other) requests, $0.0004 per 1,000. */
export const S3_GET_REQUEST = 0.0004 / 1000;
/** Lambda requests: $0.20 per million invocations (arm64 and x86 alike). */
export const LAMBDA_REQUEST = 0.2 / 1_000_000;

/**
 * Frames a second the serverless-only estimate sends through S3 by default: one, a deliberately low figure
 * (avmon's own file analysis samples 10 pictures a second), so the estimate is a floor.
 */
export const SERVERLESS_FRAMES_PER_SECOND = 1;

const SECONDS_PER_HOUR = 3600;
const MIB_PER_GB = 1024;

export interface FargatePrices {
  readonly vcpuHour: number;
  readonly gbHour: number;
  readonly region: string;
  /** Where the prices came from, for the printed lines: the date of the constants, or the override. */
  readonly source: string;
}

/** The Fargate prices: the constants, or the AVMON_PRICE_* environment variables where they are set. */
export function fargatePrices(env: NodeJS.ProcessEnv = process.env): FargatePrices {
  const vcpuHour = priceFromEnv(env, "AVMON_PRICE_VCPU_HOUR");
  const gbHour = priceFromEnv(env, "AVMON_PRICE_GB_HOUR");
  const overridden = vcpuHour !== undefined || gbHour !== undefined;
  return {
    vcpuHour: vcpuHour ?? FARGATE_ARM64_VCPU_HOUR,
    gbHour: gbHour ?? FARGATE_ARM64_GB_HOUR,
    region: env.AVMON_PRICE_REGION || PRICES_REGION,
    source: overridden
      ? "set by AVMON_PRICE_VCPU_HOUR/AVMON_PRICE_GB_HOUR"
      : `AWS public list prices as of ${PRICES_AS_OF}`,
  };
}

function priceFromEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === "") return undefined;
  const price = Number(text);
  if (!Number.isFinite(price) || price < 0)
    throw new Error(`${name} must be a price in US dollars (a number ≥ 0), not "${text}"`);
  return price;
}

export interface WorkloadCost {
  /** CPU seconds (avmon and its ffmpeg) spent on one hour of media. */
  readonly vcpuSecondsPerMediaHour: number;
  /** Real-time streams one fully busy vCPU keeps up with (for files: media hours per vCPU-hour). */
  readonly streamsPerVcpu: number;
  readonly memoryMiBPerStream?: number;
}

/**
 * Stream-hour price = vCPU-hours used per media hour × vCPU price + memory per stream (GB) × GB price: a task
 * is billed for what it reserves, so this is the price when tasks are packed full (streamsPerVcpu a vCPU).
 */
export function workloadCost(
  cpuSecondsPerMediaHour: number,
  memoryMiBPerStream?: number,
  prices: FargatePrices = fargatePrices(),
): WorkloadCost & { dollarsPerStreamHour: number } {
  const vcpuHours = cpuSecondsPerMediaHour / SECONDS_PER_HOUR;
  const memoryGb = (memoryMiBPerStream ?? 0) / MIB_PER_GB;
  return {
    vcpuSecondsPerMediaHour: cpuSecondsPerMediaHour,
    streamsPerVcpu:
      cpuSecondsPerMediaHour > 0 ? SECONDS_PER_HOUR / cpuSecondsPerMediaHour : Number.POSITIVE_INFINITY,
    ...(memoryMiBPerStream !== undefined && { memoryMiBPerStream }),
    dollarsPerStreamHour: vcpuHours * prices.vcpuHour + memoryGb * prices.gbHour,
  };
}

/** Printable lines for one workload: its CPU per media hour, streams per vCPU, and its price on Fargate. */
export function costLines(
  label: string,
  cpuSecondsPerMediaHour: number,
  memoryMiBPerStream?: number,
  prices: FargatePrices = fargatePrices(),
): string[] {
  const cost = workloadCost(cpuSecondsPerMediaHour, memoryMiBPerStream, prices);
  const memory =
    memoryMiBPerStream === undefined ? "memory not counted" : `${memoryMiBPerStream.toFixed(0)} MiB a stream`;
  const serverless = serverlessOnlyEstimate();
  return [
    `cost of ${label}:`,
    `  vCPU-seconds per media hour:     ${cost.vcpuSecondsPerMediaHour.toFixed(0)}`,
    `  streams per vCPU:                ${cost.streamsPerVcpu.toFixed(1)}`,
    `  $ per stream-hour (Fargate arm64): ${dollars(cost.dollarsPerStreamHour)}  (${memory}; $${prices.vcpuHour}/vCPU-h, $${prices.gbHour}/GB-h, ${prices.region}, ${prices.source})`,
    `  serverless-only estimate:        ${dollars(serverless.dollarsPerStreamHour)} a stream-hour = ${(serverless.dollarsPerStreamHour / cost.dollarsPerStreamHour).toFixed(0)}× (${serverless.formula})`,
  ];
}

export interface ServerlessOptions {
  /** Frames a second written to S3 and read back by a detector; default SERVERLESS_FRAMES_PER_SECOND. */
  readonly framesPerSecond?: number;
}

/**
 * The same stream-hour in the serverless-only design: a Step Functions Standard state transition per second
 * of stream (each one a Lambda invocation), and every sampled frame PUT to S3 and GOT back by a detector.
 * Lambda compute (GB-seconds) is not modelled, and one frame a second is few: an estimate, and a floor.
 */
export function serverlessOnlyEstimate(options: ServerlessOptions = {}): {
  dollarsPerStreamHour: number;
  formula: string;
} {
  const fps = options.framesPerSecond ?? SERVERLESS_FRAMES_PER_SECOND;
  const transitions = SECONDS_PER_HOUR * (STEP_FUNCTIONS_STANDARD_TRANSITION + LAMBDA_REQUEST);
  const frames = SECONDS_PER_HOUR * fps * (S3_PUT_REQUEST + S3_GET_REQUEST);
  return {
    dollarsPerStreamHour: transitions + frames,
    formula:
      `3600 s × ($0.025/1000 transitions + $0.20/1M Lambda requests) + 3600 s × ${fps} frame/s × ` +
      `($0.005/1000 PUT + $0.0004/1000 GET); Lambda compute not counted; ${PRICES_REGION} list prices as of ${PRICES_AS_OF}`,
  };
}

function dollars(amount: number): string {
  return `$${amount < 0.01 ? amount.toFixed(5) : amount.toFixed(4)}`;
}
