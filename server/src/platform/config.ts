import { z } from 'zod';
import { describeIssues, toFieldIssues } from './validation.js';

const flag = z.enum(['0', '1', 'true', 'false']).transform((value) => value === '1' || value === 'true');

/** Every environment variable the server reads, validated once at start-up. */
export const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8787),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// connection string')
    .optional(),
  HUASHU_DATA_DIR: z.string().min(1).default('./.huashu/data'),
  HUASHU_SECRET_KEY: z.string().regex(/^sk_[A-Za-z0-9_-]{16,}$/, 'must start with sk_ followed by at least 16 characters [A-Za-z0-9_-]').optional(),
  HUASHU_PUBLISHABLE_KEY: z.string().regex(/^pk_[A-Za-z0-9_-]{16,}$/, 'must start with pk_ followed by at least 16 characters [A-Za-z0-9_-]').optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  HUASHU_EMBEDDER: z.enum(['local', 'openai']).default('local'),
  HUASHU_EMBEDDING_MODEL: z.string().min(1).default('text-embedding-3-small'),
  HUASHU_CHAT_MODEL: z.string().min(1).optional(),
  HUASHU_DEMO: flag.optional(),
  /** How long an idle job worker waits before looking for due jobs again. */
  HUASHU_JOBS_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  /** `0`: this process serves HTTP only and runs no jobs (dedicated API replicas). */
  HUASHU_JOBS: flag.default(true),
  /** `1`: outbound webhooks may target loopback and private addresses (development and tests only). */
  HUASHU_WEBHOOK_ALLOW_PRIVATE: flag.default(false),
  /** Waits between webhook attempts in ms, comma-separated (`50,50` = three attempts); absent = the production schedule (5 s … 10 h). */
  HUASHU_WEBHOOK_RETRY_SCHEDULE_MS: z
    .string()
    .regex(/^\d{1,9}(,\d{1,9}){0,19}$/, 'must be up to 20 comma-separated millisecond delays, e.g. 50,50')
    .transform((value) => value.split(',').map(Number))
    .optional(),
  /** Behaviour events older than this many days are deleted, a month partition at a time; absent keeps them forever. */
  HUASHU_EVENTS_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).optional(),
  HUASHU_VERIFY_DAYS: z.coerce.number().int().min(1).max(3650).default(180),
  /** Sustained requests a minute per API key or rep token (per replica); 0 turns the limit off. */
  HUASHU_RATE_LIMIT_PER_KEY: z.coerce.number().int().min(0).default(6000),
  /** Sustained requests a minute per client IP (per replica); 0 turns the limit off. */
  HUASHU_RATE_LIMIT_PER_IP: z.coerce.number().int().min(0).default(3000),
  /** A client may run ahead of its sustained rate by this many seconds' worth of requests each minute. */
  HUASHU_RATE_LIMIT_BURST_SECONDS: z.coerce.number().int().min(0).max(60).default(10),
  /** Express `trust proxy`: how client IPs are read behind a load balancer (`1`, `loopback`, a CIDR list …). */
  HUASHU_TRUST_PROXY: z
    .string()
    .regex(/^[\w.:/, -]+$/, 'must be true, false, a hop count, or a comma-separated list of addresses, CIDRs or loopback/linklocal/uniquelocal')
    .transform((value): boolean | number | string => (value === 'true' ? true : value === 'false' ? false : /^\d+$/.test(value) ? Number(value) : value))
    .default(false),
  /** CSP frame-ancestors of the HTML pages (demo, console): who may frame them. API responses are never framable. */
  HUASHU_FRAME_ANCESTORS: z
    .string()
    .transform((value) => value.trim().split(/\s+/))
    .pipe(z.array(z.string().regex(/^(?:'self'|'none'|\*|[a-z][a-z0-9+.-]*:|(?:[a-z][a-z0-9+.-]*:\/\/)?(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::(?:\d{1,5}|\*))?)$/i, "each source must be 'self', 'none', a scheme (https:) or a host such as https://crm.example.com")))
    .default(["'self'"]),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.output<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Empty strings count as unset, the way shells and `.env` files usually mean them. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = ConfigSchema.safeParse(present);
  if (!result.success) throw new ConfigError(`invalid configuration — ${describeIssues(toFieldIssues(result.error))}`);
  if (result.data.HUASHU_EMBEDDER === 'openai' && !result.data.OPENAI_API_KEY && !result.data.OPENAI_BASE_URL) {
    throw new ConfigError('invalid configuration — HUASHU_EMBEDDER: "openai" needs OPENAI_API_KEY or OPENAI_BASE_URL');
  }
  return result.data;
}
