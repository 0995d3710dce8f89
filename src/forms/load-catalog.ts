/** The catalog agents pick from: the enabled built-in forms, then the admin's valid custom forms. */
import type { AppConfig } from '../settings/settings';
import { builtinCatalog } from './builtin-forms';
import type { CatalogProblem } from './catalog';
import { mergeCatalogs, parseCatalog } from './catalog';
import type { CatalogForm } from './catalog-types';

export interface LoadedCatalog {
  forms: CatalogForm[];
  /** Problems of the custom catalog, which is then ignored as a whole. */
  problems: CatalogProblem[];
}

export function loadCatalog(config: Pick<AppConfig, 'enabledBuiltins' | 'formCatalog'>): LoadedCatalog {
  const custom = parseCatalog(config.formCatalog);
  return { forms: mergeCatalogs(builtinCatalog(config.enabledBuiltins), custom.forms), problems: custom.problems };
}
