export { startNotifier, type Notifier } from "./notifier";
export { createLinkCode, redeemLinkCode, unlinkTelegram } from "./telegram-link";
export { getPrefs, updatePrefs, getDefaults, updateDefaults, updatePrefsSchema, prefsResponse, defaultsResponse } from "./settings";
