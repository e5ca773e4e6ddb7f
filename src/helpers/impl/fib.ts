export const fibHelpers = {};
