import { useI18n } from '../i18n/index.ts';
import { Icon } from './Icon.tsx';

/** One button that toggles 中文 ⇄ English; the current language is highlighted. */
export function LangSwitch({ className }: { className?: string }) {
  const { lang, setLang, t } = useI18n();
  return (
    <button
      type="button"
      className={className ? `lang-switch ${className}` : 'lang-switch'}
      data-testid="lang-switch"
      title={t('lang.switchLabel')}
      onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}
    >
      <Icon name="globe" size={18} />
      <span className="visually-hidden">{t('lang.switchPrefix')}</span>
      <span className={lang === 'zh' ? 'lang-option is-current' : 'lang-option'} lang="zh-CN">
        {t('lang.zh')}
      </span>
      <span className="lang-sep" aria-hidden="true">
        /
      </span>
      <span className={lang === 'en' ? 'lang-option is-current' : 'lang-option'} lang="en">
        {t('lang.en')}
      </span>
    </button>
  );
}
