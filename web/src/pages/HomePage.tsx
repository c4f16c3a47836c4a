import { Suspense, useState } from 'react';
import type { DistrictFeature } from '../api/types.ts';
import { useAuth } from '../auth/index.ts';
import { useCity } from '../city/CityProvider.tsx';
import { LazyCityMap } from '../components/city-map/index.ts';
import { ErrorNotice, Loading } from '../components/Notice.tsx';
import { usePageTitle } from '../components/PageHeader.tsx';
import { ServiceCard } from '../components/ServiceCard.tsx';
import { cityHour, localized, type MessageKey, useI18n } from '../i18n/index.ts';
import { servicesFor } from '../services/registry.ts';

function greetingKey(hour: number): MessageKey {
  if (hour >= 5 && hour < 12) return 'home.greeting.morning';
  if (hour >= 12 && hour < 18) return 'home.greeting.afternoon';
  return 'home.greeting.evening';
}

/** The city's unified entry: greeting, the services this user can use, and the city map. */
export function HomePage() {
  const { t, lang } = useI18n();
  const { user } = useAuth();
  const city = useCity();
  const [selected, setSelected] = useState<DistrictFeature | null>(null);
  usePageTitle(t('home.title'));

  // Services already available come first; the rest keep the registry's order.
  const services = servicesFor(user?.roles ?? []).sort(
    (a, b) => Number(b.status === 'available') - Number(a.status === 'available'),
  );
  const cityName = city.data ? localized(city.data.name, lang) : '';
  const name = user ? user.displayName || user.username : '';
  const districts = city.data?.districts;
  const selectedName = selected
    ? (lang === 'en' ? selected.properties.nameEn : selected.properties.name) || selected.properties.id
    : '';

  return (
    <div className="page home-page">
      <section className="home-hero" aria-labelledby="home-greeting">
        <h1 id="home-greeting" data-testid="greeting">
          {t(greetingKey(cityHour()), { name })}
        </h1>
        <p className="home-welcome">{cityName ? t('home.welcome', { city: cityName }) : t('home.welcomeNoCity')}</p>
      </section>

      <div className="home-columns">
        <section className="panel home-services" aria-labelledby="home-services-title">
          <div className="panel-header">
            <h2 id="home-services-title">{t('home.servicesTitle')}</h2>
            <span className="panel-meta">{t('home.servicesCount', { count: services.length })}</span>
          </div>
          <ul className="service-grid" data-testid="service-grid">
            {services.map((service) => (
              <ServiceCard key={service.id} service={service} />
            ))}
          </ul>
        </section>

        <section className="panel home-map" aria-labelledby="home-map-title">
          <div className="panel-header">
            <h2 id="home-map-title">{t('home.mapTitle')}</h2>
            {districts ? (
              <span className="panel-meta">{t('home.districtCount', { count: districts.features.length })}</span>
            ) : null}
          </div>
          {city.error ? <ErrorNotice error={city.error} /> : null}
          {districts ? (
            <>
              <Suspense fallback={<div className="city-map city-map-loading"><Loading /></div>}>
                <LazyCityMap
                  districts={districts}
                  onSelectDistrict={setSelected}
                  label={t('map.ariaLabel', { city: cityName })}
                />
              </Suspense>
              <p className="map-caption">
                <span className="map-selection" data-testid="selected-district" aria-live="polite">
                  {selected ? t('home.selectedDistrict', { name: selectedName }) : t('home.noSelection')}
                </span>
                <span className="map-hint">{t('home.mapHint')}</span>
              </p>
            </>
          ) : city.loading ? (
            <div className="city-map city-map-loading">
              <Loading />
            </div>
          ) : null}
        </section>
      </div>
    </div>
  );
}
