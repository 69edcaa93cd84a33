"""What every lesson shares and no model needs: both languages (i18n), errors a visitor can
cause, input checks, the figures' look, the pacing of live streams, the project's paths."""
