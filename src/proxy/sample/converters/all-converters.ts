/**
 * Loads every converter family into the registry. A new family is a file
 * that calls registerConverter, imported here.
 */
import './string-converters.js';
import './arith-converters.js';
import './encoding-converters.js';
import './map-converters.js';
import './digest-converters.js';
