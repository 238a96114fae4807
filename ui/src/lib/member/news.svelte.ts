// Messages from members that arrived in the background (at unlock): This month reads them again.
export const memberNews = $state({ count: 0 });
