/// The meta events the router publishes (WAMP Session, Registration and Subscription Meta API).
enum MetaTopic {
    static let sessionOnJoin = "wamp.session.on_join"
    static let sessionOnLeave = "wamp.session.on_leave"
    static let registrationOnCreate = "wamp.registration.on_create"
    static let registrationOnRegister = "wamp.registration.on_register"
    static let registrationOnUnregister = "wamp.registration.on_unregister"
    static let registrationOnDelete = "wamp.registration.on_delete"
    static let subscriptionOnCreate = "wamp.subscription.on_create"
    static let subscriptionOnSubscribe = "wamp.subscription.on_subscribe"
    static let subscriptionOnUnsubscribe = "wamp.subscription.on_unsubscribe"
    static let subscriptionOnDelete = "wamp.subscription.on_delete"
}
