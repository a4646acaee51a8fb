"""Portal identity: token verification, OIDC browser login, claims → Identity, the dev portal."""
