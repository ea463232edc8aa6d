"""Staff accounts: sign-in, roles, invitations and throttling."""
