import React from 'react';
import { Route, Routes } from 'react-router-dom';
import { AppRootProps } from '@grafana/data';
const Fleet = React.lazy(() => import('../../pages/Fleet'));

function App(_props: AppRootProps) {
  return (
    <Routes>
      <Route path="*" element={<Fleet />} />
    </Routes>
  );
}

export default App;
