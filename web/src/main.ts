/**
 * Entry of the dashboard: reads `/config.json`, signs the user in, then renders the view of the current path
 * with the filters of the query string. Navigation uses the History API, so every view has a shareable URL.
 */
import './styles.css';
import { NotAvailableError, UnauthorizedError } from './api';
import {
  type AuthConfig,
  completeCognitoSignIn,
  isUsableJwt,
  loadConfig,
  signOut,
  startCognitoSignIn,
  storedToken,
  storeToken,
} from './auth';
import { disposeCharts } from './charts';
import { el, replaceChildren } from './dom';
import { exportBar } from './export';
import { filterForm } from './filter-form';
import { type Filters, kpiQuery, readFilters, writeFilters } from './filters';
import { language, setLanguage, t } from './i18n';
import { funnelView } from './views/funnel';
import { clearReportCache, periodText, type View } from './views/kit';
import { liveView } from './views/live';
import { overviewView } from './views/overview';
import { salespeopleView } from './views/salespeople';
import { sitesView } from './views/sites';
import { sourcesView } from './views/sources';
import { trendView } from './views/trend';

const VIEWS: View[] = [overviewView, sourcesView, sitesView, salespeopleView, funnelView, trendView, liveView];

const root = document.getElementById('app') as HTMLElement;
let config: AuthConfig | undefined;
/** Cancels the rendering of the previous view when the user navigates before it finished. */
let renderGeneration = 0;

function currentView(): View {
  const path = location.pathname.replace(/\/+$/, '') || '/';
  return VIEWS.find((view) => view.path === path) ?? overviewView;
}

function navigate(path: string, filters: Filters, mode: 'push' | 'replace' = 'push'): void {
  const url = `${path}?${writeFilters(filters)}`;
  if (mode === 'push') {
    history.pushState(null, '', url);
  } else {
    history.replaceState(null, '', url);
  }
  renderApp();
}

function renderApp(): void {
  setLanguage(language());
  disposeCharts();
  if (!config) {
    return;
  }
  if (!storedToken()) {
    renderSignIn(config);
    return;
  }
  const view = currentView();
  const filters = readFilters(location.search);
  document.title = `${t(view.title)} · ${t('appTitle')}`;

  const nav = el('nav', { class: 'views', 'aria-label': t('mainNavigation') }, [
    el(
      'ul',
      {},
      VIEWS.map((candidate) => {
        const link = el(
          'a',
          {
            href: `${candidate.path}?${writeFilters(filters)}`,
            'aria-current': candidate === view ? 'page' : undefined,
            'data-view': candidate.path,
          },
          [t(candidate.title)],
        );
        link.addEventListener('click', (event) => {
          if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) {
            return;
          }
          event.preventDefault();
          navigate(candidate.path, filters);
        });
        return el('li', {}, [link]);
      }),
    ),
  ]);

  const languageButton = el(
    'button',
    { type: 'button', class: 'button ghost', lang: language() === 'fr' ? 'en' : 'fr' },
    [t('languageSwitch')],
  );
  languageButton.setAttribute('aria-label', t('languageSwitchLabel'));
  languageButton.dataset.testid = 'language-switch';
  languageButton.addEventListener('click', () => {
    setLanguage(language() === 'fr' ? 'en' : 'fr');
    renderApp();
  });
  const signOutButton = el('button', { type: 'button', class: 'button ghost' }, [t('signOut')]);
  signOutButton.addEventListener('click', () => {
    signOut();
    clearReportCache();
    renderApp();
  });

  const content = el('div', { class: 'view-content', 'aria-busy': 'true', 'data-testid': 'view-content' }, [
    el('p', { class: 'loading', role: 'status' }, [t('loading')]),
  ]);
  const main = el('main', { id: 'main', tabindex: -1 }, [
    el('div', { class: 'view-header' }, [
      el('h2', { 'data-testid': 'view-title' }, [
        t(view.title),
        view.usesPeriod === false ? null : el('span', { class: 'view-period' }, [` · ${periodText(filters)}`]),
      ]),
      exportBar(
        () => kpiQuery(filters, view.exportGroupBy),
        () => ({
          from: filters.from,
          to: filters.to,
          ...(filters.site === undefined ? {} : { site: filters.site }),
          ...(filters.source === undefined ? {} : { source: filters.source }),
        }),
      ),
    ]),
    content,
  ]);

  replaceChildren(root, [
    el('a', { href: '#main', class: 'skip-link' }, [t('skipToContent')]),
    el('header', { class: 'app-header' }, [
      el('div', { class: 'brand' }, [el('h1', {}, [t('appTitle')]), el('p', {}, [t('appSubtitle')])]),
      el('div', { class: 'header-actions' }, [languageButton, signOutButton]),
    ]),
    nav,
    el(
      'details',
      // A phone shows the figures first and the filters on demand; a wider screen shows both.
      { class: 'filters-panel', open: !window.matchMedia('(max-width: 640px)').matches },
      [
        el('summary', {}, [t('filtersSummary', { period: periodText(filters) })]),
        filterForm(filters, (next) => navigate(view.path, next)),
      ],
    ),
    main,
  ]);
  renderView(view, filters, content);
}

async function renderView(view: View, filters: Filters, content: HTMLElement): Promise<void> {
  const generation = ++renderGeneration;
  const controller = new AbortController();
  try {
    const nodes = await view.render({ filters, signal: controller.signal });
    if (generation !== renderGeneration) {
      return;
    }
    replaceChildren(content, nodes);
  } catch (error) {
    if (generation !== renderGeneration) {
      return;
    }
    if (error instanceof UnauthorizedError) {
      clearReportCache();
      renderApp();
      return;
    }
    replaceChildren(content, [failureMessage(error, () => renderView(view, filters, content))]);
  } finally {
    if (generation === renderGeneration) {
      content.removeAttribute('aria-busy');
      content.dataset.state = 'ready';
    }
  }
}

function failureMessage(error: unknown, retry: () => void): HTMLElement {
  if (error instanceof NotAvailableError) {
    return el('div', { class: 'notice', role: 'status', 'data-testid': 'not-available' }, [
      el('p', {}, [t('notAvailable')]),
      el('p', { class: 'note' }, [
        t('notAvailableDetail', { status: error.status, path: error.path }),
        error.detail ? ` ${error.detail}` : '',
      ]),
    ]);
  }
  const button = el('button', { type: 'button', class: 'button secondary' }, [t('retry')]);
  button.addEventListener('click', retry);
  return el('div', { class: 'notice error', role: 'alert' }, [
    el('p', {}, [t('loadFailed', { message: error instanceof Error ? error.message : String(error) })]),
    button,
  ]);
}

function renderSignIn(current: AuthConfig, message?: string): void {
  document.title = `${t('signInTitle')} · ${t('appTitle')}`;
  const error = el('p', { class: 'form-error', role: 'alert', id: 'sign-in-error' }, [message ?? '']);
  let form: HTMLElement;
  if (current.auth === 'cognito') {
    const button = el('button', { type: 'button', class: 'button primary' }, [t('signInCognito')]);
    button.addEventListener('click', () => {
      error.textContent = t('signInRedirecting');
      startCognitoSignIn(current.cognito).catch((failure: unknown) => {
        error.textContent = t('signInCallbackFailed', { message: String(failure) });
      });
    });
    form = el('div', { class: 'sign-in-form' }, [button, error]);
  } else {
    const input = el('textarea', {
      id: 'token',
      name: 'token',
      rows: 4,
      required: true,
      autocomplete: 'off',
      spellcheck: 'false',
      'aria-describedby': 'sign-in-error',
    });
    form = el('form', { class: 'sign-in-form', 'data-testid': 'sign-in' }, [
      el('label', { for: 'token' }, [t('signInToken')]),
      input,
      error,
      el('button', { type: 'submit', class: 'button primary' }, [t('signInSubmit')]),
    ]);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const token = input.value.trim();
      if (!isUsableJwt(token)) {
        error.textContent = t('signInInvalid');
        input.focus();
        return;
      }
      storeToken(token);
      clearReportCache();
      renderApp();
    });
  }
  const languageButton = el('button', { type: 'button', class: 'button ghost' }, [t('languageSwitch')]);
  languageButton.setAttribute('aria-label', t('languageSwitchLabel'));
  languageButton.addEventListener('click', () => {
    setLanguage(language() === 'fr' ? 'en' : 'fr');
    renderSignIn(current);
  });
  replaceChildren(root, [
    el('header', { class: 'app-header' }, [
      el('div', { class: 'brand' }, [el('h1', {}, [t('appTitle')]), el('p', {}, [t('appSubtitle')])]),
      el('div', { class: 'header-actions' }, [languageButton]),
    ]),
    el('main', { id: 'main', class: 'sign-in' }, [
      el('h2', {}, [t('signInTitle')]),
      current.auth === 'dev-token' ? el('p', {}, [t('signInIntro')]) : null,
      form,
    ]),
  ]);
}

async function start(): Promise<void> {
  setLanguage(language());
  try {
    config = await loadConfig();
  } catch (error) {
    replaceChildren(root, [
      el('p', { class: 'notice error', role: 'alert' }, [
        t('configFailed', { message: error instanceof Error ? error.message : String(error) }),
      ]),
    ]);
    return;
  }
  if (config.auth === 'cognito') {
    try {
      const returnTo = await completeCognitoSignIn(config.cognito);
      if (returnTo) {
        history.replaceState(null, '', returnTo);
      }
    } catch (error) {
      history.replaceState(null, '', '/');
      renderSignIn(
        config,
        t('signInCallbackFailed', { message: error instanceof Error ? error.message : String(error) }),
      );
      return;
    }
  }
  window.addEventListener('popstate', renderApp);
  renderApp();
}

start();
