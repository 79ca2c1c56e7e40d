import { Tabs } from '@mantine/core';
import { Navigate, useNavigate, useParams } from 'react-router';
import { Page } from '../components/page.js';
import { AccountTab } from './settings/account.js';
import { readableErrors } from './settings/common.js';
import { SchedulesTab } from './settings/schedules.js';
import { TeamTab } from './settings/team.js';
import { UsageTab } from './settings/usage.js';
import { WebhooksTab } from './settings/webhooks.js';

/** The tabs of Settings, each its own address (`/settings/team`…). */
const tabs = [
  { value: 'team', label: 'Team', screen: TeamTab },
  { value: 'schedules', label: 'Schedules', screen: SchedulesTab },
  { value: 'webhooks', label: 'Webhooks', screen: WebhooksTab },
  { value: 'usage', label: 'Usage', screen: UsageTab },
  { value: 'account', label: 'Account', screen: AccountTab },
] as const;

/** Settings: the team, automation (schedules, webhooks), the monthly call budget and one's account. */
export function SettingsScreen() {
  const { tab } = useParams();
  const navigate = useNavigate();
  const current = tabs.find((t) => t.value === tab);
  if (!current) return <Navigate to="/settings/team" replace />;
  const Screen = current.screen;
  return (
    <Page
      title={`Settings · ${current.label}`}
      description="The team and its roles, when syncs run on their own, Affinity webhooks, the monthly API call budget and your account."
    >
      <Tabs
        value={current.value}
        onChange={(v) => v && void navigate(`/settings/${v}`)}
        keepMounted={false}
        style={readableErrors}
      >
        <Tabs.List aria-label="Settings">
          {tabs.map((t) => (
            <Tabs.Tab key={t.value} value={t.value}>
              {t.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {tabs.map((t) => (
          <Tabs.Panel key={t.value} value={t.value} pt="md">
            {t.value === current.value && <Screen />}
          </Tabs.Panel>
        ))}
      </Tabs>
    </Page>
  );
}
