//! Throwaway test PKI (root → intermediate → leaf) made at run time, for demos and tests.
