import { createContext, type ReactNode, useContext } from 'react';
import { fetchCity } from '../api/endpoints.ts';
import type { City } from '../api/types.ts';
import { type ApiState, useApi } from '../api/useApi.ts';
import { useAuth } from '../auth/index.ts';

const CityContext = createContext<ApiState<City> | null>(null);

/** Loads the signed-in user's city (name, centre, district boundaries) once per session. */
export function CityProvider({ children }: { children: ReactNode }) {
  const { session } = useAuth();
  const token = session?.token ?? null;
  const state = useApi((signal) => fetchCity(signal), [token]);
  return <CityContext.Provider value={state}>{children}</CityContext.Provider>;
}

export function useCity(): ApiState<City> {
  const value = useContext(CityContext);
  if (!value) throw new Error('useCity() must be used inside <CityProvider>');
  return value;
}
