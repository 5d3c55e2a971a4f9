// A handler that imports a lazy module instead of requiring it on first use: bundleHandler refuses it.
import { jsonata } from '../../lazy/jsonata';

export const handler = async () => jsonata('1 + 1').evaluate({});
