// What came back about a message after the relay took it (a bounce or a
// complaint), shown beside it in the logs: a badge with the remote
// server's words and the time as its title.

import { t } from './i18n.js';
import { h } from './ui.js';
import { show } from './time.js';

export function bounceBadge(d, tz) {
  if (!d.bounce) return null;
  return h('span', { class: `badge bounce bounce-${d.bounce}`, title: `${show(d.bounced_at, tz)}: ${d.bounce_reply || ''}` },
    t(`bounce.${d.bounce}`));
}

// bounceRates are a mailing's (or a period's) bounces and complaints as
// shares of the messages sent: "Bounced 2 (1.5%) · complaints 0 (0%)"
export function bounceRates(sent, bounced, complaints, percent) {
  const share = (n) => percent(sent > 0 ? Math.min(1, n / sent) : 0);
  return t('bounce.rates', { bounced, bouncedShare: share(bounced), complaints, complaintShare: share(complaints) });
}
