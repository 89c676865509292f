// matrix-bot-sdk requires its crypto module when it loads, but uses it only with E2EE on,
// which the bench peers never turn on. Any use fails loudly rather than silently.
'use strict';
module.exports = new Proxy({}, {
  get(_t, name) {
    if (name === '__esModule' || typeof name === 'symbol') return undefined;
    throw new Error(`bench stub: matrix-sdk-crypto-nodejs.${String(name)} is not available (no E2EE in the bench)`);
  },
});
