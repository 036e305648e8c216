import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'parley:public';

/**
 * Exempts a controller or route from the global AuthGuard. For probes and scrapers only
 * (health, metrics): anything that reads or changes user data needs a token.
 */
export const Public = () => SetMetadata(IS_PUBLIC, true);
