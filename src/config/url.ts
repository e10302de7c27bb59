import { z } from 'zod';

/**
 * An http(s) URL. `z.url()` alone takes any scheme, so `localhost:4566` (scheme `localhost:`)
 * would pass and fail later inside an SDK; endpoints must say http:// or https://.
 */
export const httpUrl = (): z.ZodURL => z.url({ protocol: /^https?$/, error: 'a URL such as https://host:port' });
