"""Arranging access: the providers an access team books (interpreters, captioners, audio
describers, print and equipment), and — as issue 12 goes on — bookings, the event access plan,
outcomes and calendar files."""
