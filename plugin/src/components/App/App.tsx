import React from 'react';
import { Route, Routes } from 'react-router-dom';
import type { AppRootProps } from '@grafana/data';
import { ROUTES } from '../../constants';

const Fleet = React.lazy(() => import('../../pages/Fleet'));
const Instance = React.lazy(() => import('../../pages/Instance'));
const Models = React.lazy(() => import('../../pages/Models'));
const Reports = React.lazy(() => import('../../pages/Reports'));

function App(_props: AppRootProps) {
  return (
    <Routes>
      <Route path={`${ROUTES.Instance}/:id`} element={<Instance />} />
      <Route path={ROUTES.Models} element={<Models />} />
      <Route path={ROUTES.Reports} element={<Reports />} />
      <Route path="*" element={<Fleet />} />
    </Routes>
  );
}

export default App;
