/**
 * Import first, for its effect, in every command and test run that uses the
 * AWS SDK on this machine's Node (npm start, accounts, demo, chaos, bench,
 * the Jest setup). On Node < 22 the SDK emits a NodeVersionSupportWarning
 * ("... will require node >=22") once per loaded copy of its client module,
 * which is once per Jest test file: about twenty identical blocks per
 * `npm test`. The SDK's own switch turns off that one warning and no other,
 * and child processes inherit it.
 *
 * Never imported by functions/: the Lambda bundles run on Node 24, where the
 * warning never fires, and keep the SDK's default there.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export {};
