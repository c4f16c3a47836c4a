import { useI18n } from '../i18n/index.ts';
import { Link } from '../router/index.ts';
import type { ServiceEntry } from '../services/registry.ts';
import { Badge } from './Badge.tsx';
import { Icon } from './Icon.tsx';

export function ServiceCard({ service }: { service: ServiceEntry }) {
  const { t } = useI18n();
  const available = service.status === 'available';
  return (
    <li className="service-card-item">
      <Link
        to={service.route}
        className={available ? 'service-card is-available' : 'service-card is-coming'}
        data-testid={`service-card-${service.id}`}
        data-status={service.status}
      >
        <span className={`service-icon service-icon-${service.id}`}>
          <Icon name={service.icon} size={26} />
        </span>
        <span className="service-text">
          <span className="service-name">{t(service.nameKey)}</span>
          <span className="service-desc">{t(service.descKey)}</span>
        </span>
        <span className="service-meta">
          <Badge tone={available ? 'success' : 'neutral'}>
            {available ? t('status.available') : t('status.coming')}
          </Badge>
          <Icon name="arrowRight" size={18} className="service-arrow" />
        </span>
      </Link>
    </li>
  );
}
