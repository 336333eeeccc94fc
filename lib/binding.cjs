'use strict';

// The native addon, through the platform loader napi-rs generates at build time.
module.exports = require('../native/binding.cjs');
