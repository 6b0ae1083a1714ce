// The one place the console imports its UI library from (Preact with htm: components written as
// tagged templates, no build step). Every screen imports `html` and the hooks from here.
import { h, render, createContext, Fragment } from 'preact';
import { useState, useEffect, useRef, useMemo, useCallback, useContext, useLayoutEffect } from 'preact/hooks';
import htm from 'htm';

export const html = htm.bind(h);
export { h, render, createContext, Fragment };
export { useState, useEffect, useRef, useMemo, useCallback, useContext, useLayoutEffect };
