"""Events and the accommodation catalogue: public listing and admin set-up."""
